#!/usr/bin/env node
/**
 * Benchmark of `ir` against the local Docker engine (not a test: `npm test`
 * and CI never run it). `npm run bench` builds ir and runs this file.
 *
 *   1. filesystem capture of a container with 2 GiB of random data in its
 *      writable layer, vs `docker export C | sha256sum`;
 *   2. log capture of a container with ~500 MB of stdout+stderr, vs
 *      `docker logs --timestamps C >out 2>err`;
 *   3. isolation of a container on three user-defined networks, vs one bare
 *      `docker network disconnect NET C`, and vs the engine's own floor: the
 *      three disconnect API calls made from an already-running process.
 * Each is measured BENCH_RUNS times (default 3) and the median is printed,
 * with ir's peak RSS. Sizes: BENCH_FS_MIB (2048), BENCH_LOG_MB (500);
 * BENCH_ONLY=isolation runs the third alone.
 * Needs busybox:latest, GNU time at /usr/bin/time (Debian: apt-get install time)
 * and ~8 GB free. Everything it creates is named ir-bench-<random>- and is
 * removed at the end, on failure and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, statfs } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, fmt, MB, median, removeByPrefix, run, waitForLastLine } from './helpers.mjs';
import { engineDisconnectMs } from './engine-floor.mjs';
import { auditTime, captured, CLI, GNU_TIME, runIr, sha256File, writeRunbook } from './ir-runs.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FS_MIB = Number(process.env.BENCH_FS_MIB ?? 2048);
const LOG_BYTES = Number(process.env.BENCH_LOG_MB ?? 500) * MB;
const IMAGE = process.env.BENCH_IMAGE ?? 'busybox:latest';
// BENCH_ONLY=isolation skips the two capture measurements (and their minutes of data generation).
const ONLY_ISOLATION = process.env.BENCH_ONLY === 'isolation';
const DONE = 'IR-BENCH-DONE';
const TARGETS = { rssBytes: 200 * MB, throughputRatio: 0.8, isolateRatio: 2 };

const prefix = `ir-bench-${randomBytes(3).toString('hex')}-`;
const names = {
  fs: `${prefix}fs`, logs: `${prefix}logs`, isoIr: `${prefix}iso-ir`, isoBare: `${prefix}iso-bare`,
  nets: [0, 1, 2].map((i) => `${prefix}net${i}`),
};
let tmp;

// ---- cleanup: once, from finally or from a signal --------------------------------------
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    const removed = await removeByPrefix(prefix);
    if (tmp) await rm(tmp, { recursive: true, force: true });
    process.stderr.write(`cleanup: removed ${removed.containers.length} containers, ` +
      `${removed.networks.length} networks${tmp ? `, ${tmp}` : ''}\n`);
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up…\n`);
    cleanup().finally(() => process.exit(130));
  });
}

const log = (line) => process.stderr.write(`${line}\n`);

// ---- setup ----------------------------------------------------------------------------
async function preflight() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm run bench does)`);
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: apt-get install time`);
  await docker('image', 'inspect', IMAGE).catch(() => { throw new Error(`image ${IMAGE} not found`); });
  const fs = await statfs(tmpdir());
  const needed = (FS_MIB * 2 ** 20 * 1.1 + LOG_BYTES * 4);
  if (fs.bavail * fs.bsize < needed) throw new Error(`need ~${(needed / 1e9).toFixed(1)} GB free in ${tmpdir()}`);
}

/**
 * Both generators print DONE as their last line once every byte is written,
 * then sleep so the container stays running (as a compromised one would).
 * Four dd's in parallel: urandom is CPU-bound and there is more than one core.
 */
async function startGenerators() {
  const perFile = Math.ceil(FS_MIB / 4);
  const fsScript = `mkdir -p /data && for i in 1 2 3 4; do ` +
    `dd if=/dev/urandom of=/data/blob$i bs=1M count=${perFile} 2>/dev/null & done; wait; ` +
    `echo ${DONE}; exec sleep 86400`;
  // 90% stdout, 10% stderr, written concurrently so frames of both streams interleave.
  // head -c cuts the last line short: the bare `echo` ends it so DONE is a line of its own.
  const line = 'autotrader order filled symbol=ACME qty=100 price=123.45 venue=XNAS latency_us=87 ok';
  const logScript = `(yes '${line}' | head -c ${Math.round(LOG_BYTES * 0.9)}) & ` +
    `(yes 'WARN ${line}' | head -c ${Math.round(LOG_BYTES * 0.1)} >&2) & wait; echo; echo ${DONE}; exec sleep 86400`;
  await docker('run', '-d', '--name', names.fs, IMAGE, 'sh', '-c', fsScript);
  await docker('run', '-d', '--name', names.logs, IMAGE, 'sh', '-c', logScript);
}

/** Two similar idle containers, each on the same three user-defined networks. */
async function startIsolationTargets() {
  for (const net of names.nets) await docker('network', 'create', net);
  for (const name of [names.isoIr, names.isoBare]) {
    await docker('run', '-d', '--name', name, '--network', names.nets[0], IMAGE, 'sleep', '86400');
    for (const net of names.nets.slice(1)) await docker('network', 'connect', net, name);
  }
}

async function attachedNetworks(container) {
  const out = await docker('inspect', '-f', '{{json .NetworkSettings.Networks}}', container);
  return Object.keys(JSON.parse(out.stdout));
}

async function reconnectAll(container) {
  const attached = await attachedNetworks(container);
  for (const net of names.nets) if (!attached.includes(net)) await docker('network', 'connect', net, container);
}

// ---- the three measurements -----------------------------------------------------------
/** Alternates which side goes first each round, so page-cache warmth favours neither. */
async function rounds(first, second) {
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) { await first(i); await second(i); } else { await second(i); await first(i); }
  }
}

async function benchFilesystem() {
  const runbook = await writeRunbook(tmp, `${prefix}fs`, names.fs, { logs: false, filesystem: true, mounts: false });
  const ir = [];
  const plain = [];
  await rounds(async (i) => {
    log(`filesystem ${i + 1}/${RUNS}: ir contain`);
    const r = await runIr(tmp, runbook);
    ir.push({ ...captured(r.manifest, ['/filesystem.tar']), rss: r.rssBytes, cpuS: r.userS + r.sysS });
  }, async (i) => {
    log(`filesystem ${i + 1}/${RUNS}: docker export | sha256sum`);
    const r = await run('sh', ['-c', `docker export ${names.fs} | sha256sum`]);
    // Context, not the target: the plain pipeline also keeping the bytes on disk, synced, as ir must.
    const kept = join(tmp, 'plain-export.tar');
    log(`filesystem ${i + 1}/${RUNS}: docker export | tee file | sha256sum; sync file`);
    const disk = await run('sh', ['-c', `docker export ${names.fs} | tee ${kept} | sha256sum && sync ${kept}`]);
    await rm(kept);
    plain.push({ ms: r.ms, sha256: r.stdout.split(' ')[0], diskMs: disk.ms });
  });
  // The export is byte-identical run to run (the container only sleeps): equal hashes prove
  // both sides moved the same bytes, so ir's byte count is the plain pipeline's too.
  const bytes = ir[0].bytes;
  const same = plain.every((p) => p.sha256 === ir[0].sha256['filesystem.tar']) && ir.every((r) => r.bytes === bytes);
  const result = summarise('filesystem', ir, plain.map((p) => ({ ...p, bytes })), same);
  return { ...result, plainDiskRate: median(plain.map((p) => bytes / MB / (p.diskMs / 1000))) };
}

async function benchLogs() {
  const runbook = await writeRunbook(tmp, `${prefix}logs`, names.logs, { logs: true, filesystem: false, mounts: false });
  const ir = [];
  const plain = [];
  await rounds(async (i) => {
    log(`logs ${i + 1}/${RUNS}: ir contain`);
    const r = await runIr(tmp, runbook);
    ir.push({ ...captured(r.manifest, ['/logs/stdout.log', '/logs/stderr.log']), rss: r.rssBytes, cpuS: r.userS + r.sysS });
  }, async (i) => {
    log(`logs ${i + 1}/${RUNS}: docker logs --timestamps > files`);
    // --timestamps because ir asks the engine for them: both sides then move the same bytes.
    const out = join(tmp, 'plain-stdout.log');
    const err = join(tmp, 'plain-stderr.log');
    const r = await run('sh', ['-c', `docker logs --timestamps ${names.logs} >${out} 2>${err}`]);
    const bytes = (await stat(out)).size + (await stat(err)).size;
    plain.push({ ms: r.ms, bytes, sha256: { 'stdout.log': await sha256File(out), 'stderr.log': await sha256File(err) } });
    await rm(out);
    await rm(err);
  });
  const same = plain.every((p) => ir.every((r) =>
    r.sha256['stdout.log'] === p.sha256['stdout.log'] && r.sha256['stderr.log'] === p.sha256['stderr.log']));
  return summarise('logs', ir, plain, same);
}

function summarise(what, ir, plain, sameBytes) {
  const rate = (x) => x.bytes / MB / (x.ms / 1000);
  return {
    what, sameBytes, bytes: median(ir.map((x) => x.bytes)),
    irRate: median(ir.map(rate)), plainRate: median(plain.map(rate)),
    irRates: ir.map(rate), plainRates: plain.map(rate),
    rss: Math.max(...ir.map((x) => x.rss)), cpuS: median(ir.map((x) => x.cpuS)), irMs: median(ir.map((x) => x.ms)),
  };
}

async function benchIsolation() {
  const runbook = await writeRunbook(tmp, `${prefix}iso`, names.isoIr, null);
  const ir = [];
  const bare = [];
  const [net] = names.nets;
  await rounds(async (i) => {
    log(`isolation ${i + 1}/${RUNS}: ir contain (isolate from 3 networks)`);
    await reconnectAll(names.isoIr);
    const r = await runIr(tmp, runbook);
    const finished = auditTime(r.audit, 'step.finished', 'isolate');
    if (finished.record.details.disconnected.length !== 3) throw new Error('isolate did not disconnect 3 networks');
    ir.push({
      ms: finished.ms - r.spawnedAt,
      // Where the time goes: process start to the first audit record, then the step itself.
      toIncident: auditTime(r.audit, 'incident.started').ms - r.spawnedAt,
      step: finished.ms - auditTime(r.audit, 'step.started', 'isolate').ms,
    });
  }, async (i) => {
    log(`isolation ${i + 1}/${RUNS}: docker network disconnect`);
    await reconnectAll(names.isoBare);
    const one = (await docker('network', 'disconnect', net, names.isoBare)).ms;
    // Context, not the target: what the same three detachments cost by hand, one CLI call each.
    await reconnectAll(names.isoBare);
    let three = 0;
    for (const n of names.nets) three += (await docker('network', 'disconnect', n, names.isoBare)).ms;
    await reconnectAll(names.isoBare);
    const floor = await engineDisconnectMs(names.isoBare, names.nets);
    bare.push({ ms: one, three, floor });
  });
  const startup = [];
  for (let i = 0; i < RUNS; i++) startup.push((await run(process.execPath, [CLI, '--version'])).ms);
  return {
    irMs: median(ir.map((x) => x.ms)), bareMs: median(bare.map((x) => x.ms)),
    irAll: ir.map((x) => x.ms), bareAll: bare.map((x) => x.ms), bareThreeMs: median(bare.map((x) => x.three)),
    floorMs: median(bare.map((x) => x.floor)),
    toIncident: median(ir.map((x) => x.toIncident)), step: median(ir.map((x) => x.step)),
    versionMs: median(startup),
  };
}

// ---- report ---------------------------------------------------------------------------
const verdict = (ok) => (ok ? 'PASS' : 'MISS');

function reportHeader(engine, loadBefore) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  return ['', `ir capture benchmark — Docker ${engine}, Node ${process.version}, ${cpus().length} CPUs, ` +
    `median of ${RUNS} runs (MB = 10^6 bytes)`,
  // Other work on the machine skews every figure: say how busy it was.
  `load average (1/5/15 min) at start ${load(loadBefore)}, at end ${load(loadavg())}`, ''];
}

function reportCapture(fsRes, logRes) {
  const out = ['capture      size MB   ir MB/s  plain MB/s  ir/plain  target>=0.80  ir peak RSS MB  target<200  ir CPU s'];
  for (const r of [fsRes, logRes]) {
    const ratio = r.irRate / r.plainRate;
    out.push(`${r.what.padEnd(11)}${fmt(r.bytes / MB, 0)}  ${fmt(r.irRate)}    ${fmt(r.plainRate)}  ${fmt(ratio, 2)}` +
      `        ${verdict(ratio >= TARGETS.throughputRatio)}  ${fmt(r.rss / MB)}        ${verdict(r.rss < TARGETS.rssBytes)}` +
      `    ${fmt(r.cpuS)}`);
  }
  out.push('');
  for (const r of [fsRes, logRes]) {
    out.push(`  ${r.what}: ir runs ${r.irRates.map((x) => x.toFixed(1)).join(', ')} MB/s; ` +
      `plain runs ${r.plainRates.map((x) => x.toFixed(1)).join(', ')} MB/s; ` +
      `same bytes as plain (sha256): ${r.sameBytes ? 'yes' : 'NO'}`);
  }
  out.push(`  for context: \`docker export C | tee file | sha256sum; sync file\` ${fsRes.plainDiskRate.toFixed(1)} MB/s, ` +
    `ir/that ${(fsRes.irRate / fsRes.plainDiskRate).toFixed(2)} (ir also writes and fsyncs filesystem.tar)`);
  out.push('  plain: filesystem = `docker export C | sha256sum`; logs = `docker logs --timestamps C >out 2>err`',
    '  ir: bytes of filesystem.tar / stdout.log+stderr.log over the manifest item\'s startedAt..finishedAt', '');
  return out;
}

function reportIsolation(iso) {
  const ratio = iso.irMs / iso.bareMs;
  return ['isolation    ir ms (3 networks)  bare disconnect ms (1 network)  ratio  target<=2',
    `             ${fmt(iso.irMs, 0)}            ${fmt(iso.bareMs, 0)}                  ${fmt(ratio, 2)}  ` +
      `${verdict(ratio <= TARGETS.isolateRatio)}`,
    `  for context: bare disconnect from all 3 networks (3 CLI calls in a row) ${iso.bareThreeMs.toFixed(0)} ms, ` +
      `ir/that ${(iso.irMs / iso.bareThreeMs).toFixed(2)}`,
    `  engine floor: the 3 disconnect API calls from a running process ${iso.floorMs.toFixed(0)} ms ` +
      `(${(iso.floorMs / iso.bareMs).toFixed(2)}x one bare disconnect: no client can do better); ` +
      `ir/floor ${(iso.irMs / iso.floorMs).toFixed(2)}, ir's own share ${(iso.irMs - iso.floorMs).toFixed(0)} ms`,
    `  ir runs ${iso.irAll.map((x) => x.toFixed(0)).join(', ')} ms; bare runs ${iso.bareAll.map((x) => x.toFixed(0)).join(', ')} ms`,
    `  ir breakdown (median): spawn→incident.started ${iso.toIncident.toFixed(0)} ms, isolate step.started→finished ` +
      `${iso.step.toFixed(0)} ms; \`ir --version\` (Node start, no command loaded) ${iso.versionMs.toFixed(0)} ms`, ''];
}

async function main() {
  await preflight();
  tmp = await mkdtemp(join(tmpdir(), prefix));
  const engine = (await docker('version', '-f', '{{.Server.Version}}')).stdout.trim();
  const loadBefore = loadavg();
  if (loadBefore[0] > 0.5) log(`note: load average is ${loadBefore[0].toFixed(2)}: other work will skew the figures`);
  const out = [];
  if (!ONLY_ISOLATION) {
    log(`${prefix}: generating ${FS_MIB} MiB of random files and ${LOG_BYTES / MB} MB of logs…`);
    await startGenerators();
  }
  await startIsolationTargets();
  if (!ONLY_ISOLATION) {
    await waitForLastLine(names.fs, DONE, { label: 'filesystem generator' });
    await waitForLastLine(names.logs, DONE, { label: 'log generator' });
    out.push(...reportCapture(await benchFilesystem(), await benchLogs()));
  }
  out.push(...reportIsolation(await benchIsolation()));
  process.stdout.write(`${[...reportHeader(engine, loadBefore), ...out].join('\n')}\n`);
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  log(`bench failed: ${error instanceof Error ? error.message : error}`);
} finally {
  await cleanup();
}
