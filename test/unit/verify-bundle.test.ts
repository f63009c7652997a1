import { execFile } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { extract, type Header } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureTar } from '../../src/docker/tar-index.js';
import { packIncident } from '../../src/evidence/pack-bundle.js';
import { verifyIncidentDir } from '../../src/evidence/verify-bundle.js';
import {
  BUSYBOX, FS_INDEX, FS_TAR, INSPECT, SEALED_PATHS, seal, sha256, STDOUT_LOG, tarOf, writeIncident, WRITTEN_AT,
  type TarSpec,
} from '../support/incident-fixture.js';
import { runCli, tempDir } from '../support/run-cli.js';

let work: string;
let incident: string;
beforeEach(async () => {
  work = await tempDir('verify');
  incident = join(work, 'IR-test');
  await writeIncident(incident);
});
afterEach(async () => { await rm(work, { recursive: true, force: true }); });

describe('ir evidence verify on an incident directory', () => {
  it('passes an untouched incident and says so', async () => {
    const report = await verifyIncidentDir(incident);
    expect(report).toMatchObject({ ok: true, complete: true, files: 4, tarIndexes: 1, problems: [] });
    const run = await runCli(['evidence', 'verify', incident]);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n').at(-1))
      .toBe('OK: 4 files and 1 tar index match the manifest of IR-20261203T031502Z-web-test');
  });

  it('names a file with one byte changed', async () => {
    const data = await readFile(join(incident, INSPECT));
    data[5] = data[5]! ^ 1;
    await writeFile(join(incident, INSPECT), data);
    const run = await runCli(['evidence', 'verify', incident]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^altered: ${INSPECT}: `, 'm'));
    expect(run.stdout).toMatch(/^FAILED: 1 problem in /m);
  });

  it('names a deleted file and an added one, but not an atomic-write leftover', async () => {
    await unlink(join(incident, STDOUT_LOG));
    await writeFile(join(incident, 'evidence/web/notes.txt'), 'added later\n');
    await writeFile(join(incident, 'journal.json.4242.tmp'), '{}');
    const run = await runCli(['evidence', 'verify', incident]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^missing: ${STDOUT_LOG}: `, 'm'));
    expect(run.stdout).toMatch(/^extra: evidence\/web\/notes\.txt: /m);
    expect(run.stdout).not.toMatch(/\.tmp/);
  });

  it('catches a tar entry altered behind a manifest that was re-sealed to match', async () => {
    const tar = await readFile(join(incident, FS_TAR));
    const at = tar.indexOf(BUSYBOX.subarray(0, 23));
    tar[at + 100] = tar[at + 100]! ^ 0xff;
    await writeFile(join(incident, FS_TAR), tar);
    await seal(incident, SEALED_PATHS);
    const report = await verifyIncidentDir(incident);
    expect(report.problems).toEqual([
      { kind: 'index', path: FS_TAR, detail: expect.stringMatching(/^entry bin\/busybox \(index line 2\): sha256 is /) },
    ]);
    const run = await runCli(['evidence', 'verify', incident, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, problems: [{ kind: 'index', path: FS_TAR }] });
  });

  it('catches a file changed together with its manifest entry and SHA256SUMS, through the audit seal', async () => {
    await appendFile(join(incident, STDOUT_LOG), 'planted line\n');
    const data = await readFile(join(incident, STDOUT_LOG));
    const manifest = JSON.parse(await readFile(join(incident, 'manifest.json'), 'utf8'));
    const item = manifest.items.find((entry: { path: string }) => entry.path === STDOUT_LOG);
    Object.assign(item, { bytes: data.length, sha256: sha256(data) });
    await writeFile(join(incident, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const sums = manifest.items.map((entry: { sha256: string; path: string }) => `${entry.sha256}  ${entry.path}\n`).join('');
    await writeFile(join(incident, 'SHA256SUMS'), sums);

    const run = await runCli(['evidence', 'verify', incident]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^audit: audit\.jsonl: record \d+: /m);
  });

  it('catches SHA256SUMS that disagree with the manifest', async () => {
    await appendFile(join(incident, 'SHA256SUMS'), `${'0'.repeat(64)}  evidence/web/ghost\n`);
    const report = await verifyIncidentDir(incident);
    expect(report.problems).toEqual([{ kind: 'sums', path: 'evidence/web/ghost', detail: expect.any(String) }]);
  });

  it('passes a partial capture whose hashes hold but says it is incomplete', async () => {
    // Capture again from a stream cut inside bin/busybox, as a broken export would leave it.
    const cut = (await readFile(join(incident, FS_TAR))).subarray(0, 512 * 3 + 200);
    await Promise.all([unlink(join(incident, FS_TAR)), unlink(join(incident, FS_INDEX))]);
    await captureTar(Readable.from([cut]), join(incident, FS_TAR), join(incident, FS_INDEX)).catch(() => undefined);
    const missing = [{ what: 'tmpfs mount /tmp', reason: 'the container had stopped' }];
    await seal(incident, SEALED_PATHS, { partial: [FS_TAR], missing });
    const report = await verifyIncidentDir(incident);
    expect(report).toMatchObject({ ok: true, complete: false, partial: [FS_TAR], missing, problems: [] });
    const run = await runCli(['evidence', 'verify', incident]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^note: evidence\/web\/filesystem\.tar stops after 1 entries/m);
    const verdict = run.stdout.trimEnd().split('\n').at(-1);
    expect(verdict).toMatch(/^OK: .*; INCOMPLETE: /);
    expect(verdict).toContain(`partial ${FS_TAR}; missing tmpfs mount /tmp (the container had stopped)`);
  });

  it('refuses a directory that is not an incident', async () => {
    const run = await runCli(['evidence', 'verify', work]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is not an incident: it has no manifest\.json/);
  });
});

describe('ir evidence pack and verifying a bundle', () => {
  it('packs the same directory twice into identical bytes that sha256sum -c accepts', async () => {
    const first = await packIncident(incident, join(work, 'one.tar'));
    const second = await packIncident(incident, join(work, 'two.tar'));
    expect(await readFile(second.output)).toEqual(await readFile(first.output));
    expect((await stat(first.output)).mode & 0o777).toBe(0o600);
    expect((await stat(first.checksumFile)).mode & 0o777).toBe(0o600);
    const { stdout } = await promisify(execFile)('sha256sum', ['-c', 'one.tar.sha256'], { cwd: work });
    expect(stdout).toBe('one.tar: OK\n');
  });

  it('refuses to pack an incident whose evidence no longer matches its manifest', async () => {
    await appendFile(join(incident, STDOUT_LOG), 'planted line\n');
    const run = await runCli(['evidence', 'pack', incident, '--output', join(work, 'tampered.tar')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^ir: refusing to pack .*first altered: ${STDOUT_LOG}`));
    await expect(stat(join(work, 'tampered.tar'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes manifest.json first, then sorted entries with normalised headers', async () => {
    const { output } = await packIncident(incident);
    expect(output).toBe(`${incident}.tar`);
    const headers = await tarHeaders(await readFile(output));
    expect(headers.map((h) => h.name)).toEqual([
      'manifest.json', 'SHA256SUMS', 'audit.jsonl', 'evidence/', 'evidence/web/', 'evidence/web/filesystem.index.jsonl',
      'evidence/web/filesystem.tar', 'evidence/web/inspect.json', 'evidence/web/logs/', 'evidence/web/logs/stdout.log',
      'journal.json',
    ]);
    for (const h of headers) {
      expect(h).toMatchObject({ uid: 0, gid: 0, mode: h.type === 'directory' ? 0o700 : 0o600, mtime: WRITTEN_AT });
    }
    await expect(packIncident(incident)).rejects.toMatchObject({ code: 'BUNDLE_EXISTS' });
  });

  it('verifies a packed bundle in a private temporary directory and removes it', async () => {
    const temp = await freshTmp();
    await packIncident(incident, join(work, 'bundle.tar'));
    const run = await runCli(['evidence', 'verify', join(work, 'bundle.tar')], { TMPDIR: temp });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK: 4 files/m);
    expect(await readdir(temp)).toEqual([]);
  });

  const manifestFirst = async (): Promise<TarSpec> => ({
    header: { name: 'manifest.json' }, content: await readFile(join(incident, 'manifest.json')),
  });
  const refusals: Array<[string, (temp: string) => TarSpec, RegExp]> = [
    ['a ../ entry', () => ({ header: { name: '../evil' }, content: 'x' }), /refused entry "\.\.\/evil": a "\.\." component/],
    ['an absolute path', (temp) => ({ header: { name: `${temp}/evil` }, content: 'x' }), /: an absolute path/],
    ['a symlink', () => ({ header: { name: 'evil', type: 'symlink', linkname: '/etc/passwd' } }), /: a link/],
    ['a hard link', () => ({ header: { name: 'evil', type: 'link', linkname: 'manifest.json' } }), /: a link/],
    ['a FIFO', () => ({ header: { name: 'evil', type: 'fifo' } }), /: a device or FIFO/],
  ];
  for (const [what, entry, message] of refusals) {
    it(`refuses a bundle with ${what} and writes nothing outside its temporary directory`, async () => {
      const temp = await freshTmp();
      await writeFile(join(work, 'evil.tar'), await tarOf([await manifestFirst(), entry(temp)]));
      const run = await runCli(['evidence', 'verify', join(work, 'evil.tar')], { TMPDIR: temp });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(await readdir(temp)).toEqual([]);
      expect((await readdir(work)).sort()).toEqual(['IR-test', 'evil.tar', 'tmp']);
    });
  }

  async function freshTmp(): Promise<string> {
    const temp = join(work, 'tmp');
    await mkdir(temp, { recursive: true });
    return temp;
  }
});

type HeaderFields = Pick<Header, 'name' | 'type' | 'mode' | 'uid' | 'gid' | 'mtime'>;

async function tarHeaders(tar: Buffer): Promise<HeaderFields[]> {
  const parser = extract();
  const headers: HeaderFields[] = [];
  parser.end(tar);
  for await (const entry of parser) {
    const { name, type, mode, uid, gid, mtime } = entry.header;
    headers.push({ name, type, mode, uid, gid, mtime });
    entry.resume();
  }
  return headers;
}
