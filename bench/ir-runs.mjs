/**
 * Runs the built `ir` the way an operator's script would, and reads back what
 * it recorded. Throughput and timings come from ir's own records (manifest
 * item times, audit record times), not from our wall clock around the process,
 * so Node start-up is not counted against the capture itself.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './helpers.mjs';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/**
 * Peak RSS comes from GNU time (`/usr/bin/time -v`): the kernel's ru_maxrss
 * for the child at exit, exact, where polling /proc/<pid>/status VmHWM could
 * miss the process's last moments. Debian: `apt-get install time`.
 */
export const GNU_TIME = '/usr/bin/time';

/** Writes a runbook: isolate first (as in a real containment), then the optional capture. */
export async function writeRunbook(dir, name, container, capture) {
  const lines = [`name: ${name}`, 'target:', `  container: ${container}`, 'steps:', '  - isolate: {}'];
  if (capture) {
    lines.push('  - capture:', ...Object.entries(capture).map(([k, v]) => `      ${k}: ${v}`));
  }
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * `ir contain --runbook FILE --yes --json` under GNU time. Returns the epoch ms
 * taken just before spawning, ir's peak RSS, its manifest and audit records.
 * The evidence is deleted afterwards: a filesystem capture is 2 GiB a run.
 */
export async function runIr(tmp, runbook) {
  const evidence = await mkdtemp(join(tmp, 'evidence-'));
  const timeFile = join(evidence, 'gnu-time.txt');
  try {
    const args = ['-v', '-o', timeFile, process.execPath, CLI, 'contain', '--runbook', runbook,
      '--yes', '--json', '--evidence-dir', evidence];
    const spawnedAt = Date.now();
    const result = await run(GNU_TIME, args, { allowFail: true });
    if (result.code !== 0) throw new Error(`ir exited ${result.code}:\n${result.stderr.slice(-2000)}`);
    const summary = JSON.parse(result.stdout);
    const timeReport = await readFile(timeFile, 'utf8');
    const rssKiB = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeReport)?.[1]);
    const cpu = (re) => Number(re.exec(timeReport)?.[1] ?? NaN);
    const manifest = JSON.parse(await readFile(join(summary.directory, 'manifest.json'), 'utf8'));
    const audit = (await readFile(join(summary.directory, 'audit.jsonl'), 'utf8'))
      .trim().split('\n').map((line) => JSON.parse(line));
    return {
      spawnedAt, wallMs: result.ms, rssBytes: rssKiB * 1024, manifest, audit,
      userS: cpu(/User time \(seconds\): ([\d.]+)/), sysS: cpu(/System time \(seconds\): ([\d.]+)/),
    };
  } finally {
    await rm(evidence, { recursive: true, force: true });
  }
}

/** Bytes, duration and hashes of the manifest items whose path ends with one of `suffixes`. */
export function captured(manifest, suffixes) {
  const items = manifest.items.filter((item) => suffixes.some((s) => item.path.endsWith(s)));
  if (items.length === 0) throw new Error(`manifest has no ${suffixes.join(', ')}`);
  if (items.some((item) => item.partial)) throw new Error(`ir marked ${suffixes.join(', ')} partial`);
  const start = Math.min(...items.map((item) => Date.parse(item.startedAt)));
  const end = Math.max(...items.map((item) => Date.parse(item.finishedAt)));
  const sha256 = Object.fromEntries(items.map((item) => [item.path.split('/').pop(), item.sha256]));
  return { bytes: items.reduce((sum, item) => sum + item.bytes, 0), ms: end - start, sha256 };
}

/** The epoch ms of the first audit record matching `event` (and, if given, the step kind). */
export function auditTime(audit, event, kind) {
  const record = audit.find((r) => r.event === event && (!kind || r.details?.kind === kind));
  if (!record) throw new Error(`audit trail has no ${event}${kind ? ` for ${kind}` : ''}`);
  return { ms: Date.parse(record.time), record };
}

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}
