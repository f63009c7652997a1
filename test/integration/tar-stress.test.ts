import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TarIndexEntry } from '../../src/evidence/tar-entry.js';
import { uniqueName } from '../support/names.js';
import { STRESS_IMAGE } from '../support/real-parts.js';
import { onlyIncidentDir, runCli, tempDir, writeContainRunbook } from '../support/run-cli.js';

const exec = promisify(execFile);
const GIB = 2 ** 30;
const SLOW = 300_000;
const TYPES: Record<string, string> = { f: 'file', l: 'symlink', d: 'directory', p: 'fifo', c: 'character-device' };

/** One entry under /stress as the container itself sees it, with names as raw bytes. */
interface Truth { kind: string; size: number; mode: string; inode: string; tarPath: Buffer; target: Buffer }

// Entries come from /usr/local/sbin/ir-stress-files (test/support/build-stress-image.sh), run in the writable layer.
describe.skipIf(!inject('docker').ok || !inject('stress').ok)('capturing a real root with hostile names', () => {
  const name = uniqueName('stress');
  let work: string;
  let fsDir: string;
  let incidentDir: string;
  let truth: Truth[];
  let index: TarIndexEntry[];
  let byPath: Map<string, TarIndexEntry>;

  beforeAll(async () => {
    await exec('docker', ['run', '-d', '--name', name, STRESS_IMAGE]);
    await exec('docker', ['exec', name, '/usr/local/sbin/ir-stress-files']);
    truth = await readTruth(name);
    work = await tempDir('tar-stress');
    await writeContainRunbook(work, name);
    const run = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'incidents')]);
    expect(run.code, run.stderr).toBe(0);
    incidentDir = await onlyIncidentDir(join(work, 'incidents'));
    fsDir = join(incidentDir, 'evidence', name);
    index = (await readFile(join(fsDir, 'filesystem.index.jsonl'), 'utf8')).trimEnd().split('\n')
      .map((line) => JSON.parse(line) as TarIndexEntry);
    byPath = new Map(index.map((entry) => [rawPath(entry).toString('hex'), entry]));
  }, SLOW);

  afterAll(async () => {
    await exec('docker', ['rm', '-f', name]).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('starts from a fixture with every kind of hostile entry', () => {
    const names = truth.map((entry) => entry.tarPath);
    expect(names.some((path) => path.length > 100 && path.length <= 255)).toBe(true);
    expect(names.some((path) => path.length > 255)).toBe(true);
    expect(names.some((path) => !Buffer.from(path.toString('utf8')).equals(path))).toBe(true);
    expect(names.some((path) => path.includes(' ')) && names.some((path) => path.includes('\n'))).toBe(true);
    const targets = truth.filter((entry) => entry.kind === 'l').map((entry) => entry.target.toString('latin1'));
    expect(targets).toEqual(expect.arrayContaining(['with space.txt', '/etc/os-release', '../no/such/target']));
    expect(new Set(truth.map((entry) => entry.inode)).size).toBeLessThan(truth.length);
    expect(truth.map((entry) => entry.mode)).toContain('4755');
    expect(truth.map((entry) => entry.size)).toContain(GIB);
    expect(truth.map((entry) => entry.kind)).toEqual(expect.arrayContaining(['p', 'c', 'd']));
  });

  it('indexes every stressed entry with the type, size, mode and link target the container sees', () => {
    const firstOfInode = new Map<string, Truth>();
    for (const entry of [...truth].sort((a, b) => lineOf(a) - lineOf(b))) {
      const label = JSON.stringify(entry.tarPath.toString('latin1'));
      const indexed = byPath.get(entry.tarPath.toString('hex'));
      expect(indexed, `${label} is not in the index`).toBeDefined();
      const first = entry.kind === 'f' ? firstOfInode.get(entry.inode) : undefined;
      if (entry.kind === 'f' && !first) firstOfInode.set(entry.inode, entry);
      const type = first ? 'link' : TYPES[entry.kind];
      expect({ type: indexed!.type, size: indexed!.size, mode: indexed!.mode }, label)
        .toEqual({ type, size: type === 'file' ? entry.size : 0, mode: entry.mode });
      const target = first ? first.tarPath : entry.kind === 'l' ? entry.target : undefined;
      expect(linkOf(indexed!), label).toEqual(target);
    }
  });

  it('keeps names that are not UTF-8 readable in path and exact in pathBase64', () => {
    const bad = index.find((entry) => entry.path.startsWith('stress/bad-') && entry.type === 'file');
    expect(bad).toMatchObject({ path: 'stress/bad-\\377\\376-name.txt', pathBase64: expect.any(String) });
    expect(Buffer.from(bad!.pathBase64!, 'base64')).toEqual(Buffer.from('stress/bad-\xff\xfe-name.txt', 'latin1'));
    const link = index.find((entry) => entry.path === 'stress/link-to-bad-name');
    expect(link?.linknameBase64 && Buffer.from(link.linknameBase64, 'base64'))
      .toEqual(Buffer.from('bad-\xff\xfe-name.txt', 'latin1'));
    const utf8 = index.find((entry) => entry.path === 'stress/café ü.txt');
    expect(utf8).toBeDefined();
    expect(utf8?.pathBase64).toBeUndefined();
  });

  it('hashes each stressed file as GNU tar extracts it', async () => {
    const files = index.filter((entry) => entry.type === 'file' && entry.path.startsWith('stress/'))
      .filter((entry) => entry.size < GIB);
    expect(files.length).toBeGreaterThan(8);
    for (const entry of files) {
      const list = join(work, 'member.list');
      await writeFile(list, Buffer.concat([rawPath(entry), Buffer.from([0])]));
      const { stdout } = await exec('bash', ['-o', 'pipefail', '-c',
        'tar -xOf "$1" --occurrence=1 --null --no-unquote --verbatim-files-from -T "$2" | sha256sum',
        'bash', join(fsDir, 'filesystem.tar'), list]);
      expect(stdout.split(' ')[0], entry.path).toBe(entry.sha256);
    }
  }, SLOW);

  it('hashes the 1 GiB sparse file as 1 GiB of zeros', () => {
    const zeros = createHash('sha256');
    const block = Buffer.alloc(2 ** 20);
    for (let done = 0; done < GIB; done += block.length) zeros.update(block);
    expect(byPath.get(Buffer.from('stress/sparse-1g').toString('hex'))).toMatchObject({
      type: 'file', size: GIB, sha256: zeros.digest('hex'),
    });
  });

  it('has as many index lines as tar -tvf lists entries', async () => {
    const { stdout } = await exec('tar', ['-tvf', join(fsDir, 'filesystem.tar')], { maxBuffer: 256 * 2 ** 20 });
    expect(stdout.trimEnd().split('\n')).toHaveLength(index.length);
  }, SLOW);

  it('passes ir evidence verify', async () => {
    const run = await runCli(['evidence', 'verify', incidentDir]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^OK: /m);
  }, SLOW);

  function lineOf(entry: Truth): number {
    return index.indexOf(byPath.get(entry.tarPath.toString('hex'))!);
  }
});

function rawPath(entry: TarIndexEntry): Buffer {
  return entry.pathBase64 ? Buffer.from(entry.pathBase64, 'base64') : Buffer.from(entry.path);
}

function linkOf(entry: TarIndexEntry): Buffer | undefined {
  if (entry.linknameBase64) return Buffer.from(entry.linknameBase64, 'base64');
  return entry.linkname === undefined ? undefined : Buffer.from(entry.linkname);
}

/** Asks the container's own `find` for every entry under /stress, NUL-separated so any name survives. */
async function readTruth(container: string): Promise<Truth[]> {
  const { stdout } = await exec('docker', ['exec', container, 'find', '/stress', '-mindepth', '1', '-printf',
    '%y\\0%s\\0%m\\0%i\\0%P\\0%l\\0'], { encoding: 'buffer', maxBuffer: 16 * 2 ** 20 });
  const fields: Buffer[] = [];
  for (let start = 0, end; (end = stdout.indexOf(0, start)) !== -1; start = end + 1) {
    fields.push(stdout.subarray(start, end));
  }
  const entries: Truth[] = [];
  for (let i = 0; i + 6 <= fields.length; i += 6) {
    const [kind = '', size = '', mode = '', inode = ''] = fields.slice(i, i + 4).map((field) => field.toString());
    const [relative, target] = [fields[i + 4]!, fields[i + 5]!];
    entries.push({
      kind, size: Number(size), mode: mode.padStart(4, '0'), inode, target,
      tarPath: Buffer.concat([Buffer.from('stress/'), relative, Buffer.from(kind === 'd' ? '/' : '')]),
    });
  }
  return entries;
}
