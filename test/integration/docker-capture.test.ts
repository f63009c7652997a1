import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { captureMountViaExec } from '../../src/docker/exec-tar.js';
import { captureFilesystem } from '../../src/docker/export.js';
import { captureLogs, readableLogDriver, TTY_LOG_NOTE } from '../../src/docker/logs.js';
import type { PartialTarCapture, TarIndexEntry } from '../../src/docker/tar-index.js';
import { PartialCaptureError } from '../../src/evidence/partial-capture.js';
import { GUIDE_LINES, runGuideContainer } from '../support/guide-container.js';
import { TEST_IMAGE, uniqueName } from '../support/names.js';

/** Deadlines no honest tar of these small mounts comes near. */
const EXEC = { deadline: { idleMs: 30_000, totalMs: 120_000 } };
function tarPaths(dir: string, name: string): { tar: string; index: string } {
  return { tar: join(dir, `${name}.tar`), index: join(dir, `${name}.index.jsonl`) };
}

const TIMESTAMPED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z /;
const docker = new Docker();

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads one member with the system tar, a parser independent of ours. */
function extractMember(tarPath: string, member: string): Buffer {
  return execFileSync('tar', ['-xOf', tarPath, member], { maxBuffer: 64 * 1024 * 1024 });
}

async function readIndex(path: string): Promise<TarIndexEntry[]> {
  return (await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as TarIndexEntry);
}

/** The engine copies output to the log asynchronously; wait until a line has arrived. */
async function waitForLog(container: Docker.Container, text: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const log = await container.logs({ stdout: true, stderr: true, follow: false });
    if (log.toString().includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`log never showed ${text}`);
}

/** Evidence files are 0600 and evidence directories 0700. */
async function expectOwnerOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const mode = (await stat(join(dir, entry.name))).mode & 0o777;
    expect({ name: entry.name, mode }).toEqual({ name: entry.name, mode: entry.isDirectory() ? 0o700 : 0o600 });
  }
}

describe.skipIf(!inject('docker').ok)('streaming Docker capture', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ir-docker-capture-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('captures a running guide container: logs, filesystem and both tmpfs mounts', async () => {
    const guide = await runGuideContainer({ apiKey: 'gsk_fake_fixture_value' });
    try {
      const container = docker.getContainer(guide.id);
      await waitForLog(container, GUIDE_LINES.stderr);

      const logs = await captureLogs(container, join(dir, 'logs'), { tty: false });
      const stdoutLines = (await readFile(join(dir, 'logs', 'stdout.log'), 'utf8')).trimEnd().split('\n');
      const stderrLines = (await readFile(join(dir, 'logs', 'stderr.log'), 'utf8')).trimEnd().split('\n');
      expect(stdoutLines).toEqual([expect.stringMatching(TIMESTAMPED)]);
      expect(stdoutLines[0]).toContain(GUIDE_LINES.stdout);
      expect(stderrLines).toEqual([expect.stringMatching(TIMESTAMPED)]);
      expect(stderrLines[0]).toContain(GUIDE_LINES.stderr);
      expect(logs.stdout.sha256).toBe(await sha256File(join(dir, 'logs', 'stdout.log')));
      expect(logs.stderr?.sha256).toBe(await sha256File(join(dir, 'logs', 'stderr.log')));
      expect(logs.note).toBeUndefined();

      const fs = await captureFilesystem(container, dir);
      const tarPath = join(dir, 'filesystem.tar');
      expect(fs.tar.sha256).toBe(await sha256File(tarPath));
      expect(fs.tar.bytes).toBe((await stat(tarPath)).size);
      const busybox = (await readIndex(join(dir, 'filesystem.index.jsonl'))).find((e) => e.path === 'bin/busybox');
      const busyboxBytes = extractMember(tarPath, 'bin/busybox');
      expect(busybox).toMatchObject({ type: 'file', size: busyboxBytes.length, mode: '0755', uid: 0 });
      expect(busybox?.sha256).toBe(createHash('sha256').update(busyboxBytes).digest('hex'));

      const appLogs = await captureMountViaExec(container, '/app/logs', tarPaths(dir, 'app-logs'), EXEC);
      expect(extractMember(join(dir, 'app-logs.tar'), './app.log').toString()).toBe(`${GUIDE_LINES.appLog}\n`);
      expect(appLogs.tar.sha256).toBe(await sha256File(join(dir, 'app-logs.tar')));
      const appLog = (await readIndex(join(dir, 'app-logs.index.jsonl'))).find((e) => e.path === './app.log');
      expect(appLog).toMatchObject({ type: 'file', uid: 1000, sha256: createHash('sha256').update(`${GUIDE_LINES.appLog}\n`).digest('hex') });

      await captureMountViaExec(container, '/tmp', tarPaths(dir, 'tmp'), EXEC);
      expect(extractMember(join(dir, 'tmp.tar'), './scratch.txt').toString()).toBe(`${GUIDE_LINES.tmp}\n`);

      await expectOwnerOnly(dir);
      await expectOwnerOnly(join(dir, 'logs'));
    } finally {
      await guide.remove();
    }
  });

  it('reports a mount tar cannot read with tar\'s own message', async () => {
    const guide = await runGuideContainer({ apiKey: 'gsk_fake_fixture_value' });
    try {
      const container = docker.getContainer(guide.id);
      await expect(captureMountViaExec(container, '/no/such/mount', tarPaths(dir, 'x'), EXEC))
        .rejects.toMatchObject({ code: 'CAPTURE_EXEC_FAILED', message: expect.stringContaining("can't change directory") });
    } finally {
      await guide.remove();
    }
  });

  it('keeps what tar could read when it skips an unreadable file, and says which', async () => {
    const script = 'echo kept > /tmp/a; echo hidden > /tmp/b; chmod 000 /tmp/b; touch /tmp/ready; exec sleep 3600';
    const guide = await runGuideContainer({ apiKey: 'gsk_fake_fixture_value', script });
    try {
      const container = docker.getContainer(guide.id);
      const error = await captureMountViaExec(container, '/tmp', tarPaths(dir, 'tmp'), EXEC)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PartialCaptureError);
      const partial = error as PartialCaptureError<PartialTarCapture>;
      expect(partial.code).toBe('CAPTURE_EXEC_FAILED');
      expect(partial.message).toContain("can't open './b': Permission denied");
      expect(partial.partial.tarComplete).toBe(true);
      expect(extractMember(join(dir, 'tmp.tar'), './a').toString()).toBe('kept\n');
    } finally {
      await guide.remove();
    }
  });

  it('says so plainly when the container has no tar to run', async () => {
    const container = await docker.createContainer({
      name: uniqueName('notar'),
      Image: TEST_IMAGE,
      Cmd: ['/bin/sleep', '3600'],
      // A PATH without busybox hides tar from the exec, as if the image had none.
      Env: ['PATH=/nonexistent'],
    });
    try {
      await container.start();
      await expect(captureMountViaExec(container, '/tmp', tarPaths(dir, 'tmp'), EXEC))
        .rejects.toMatchObject({ code: 'CAPTURE_EXEC_NO_TAR', message: expect.stringContaining('executable file not found') });
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });

  it('puts a TTY container\'s whole log in stdout.log and says so', async () => {
    const container = await docker.createContainer({
      name: uniqueName('tty'),
      Image: TEST_IMAGE,
      Tty: true,
      Cmd: ['sh', '-c', `echo '${GUIDE_LINES.stdout}'; echo '${GUIDE_LINES.stderr}' >&2`],
    });
    try {
      await container.start();
      await container.wait();
      const logs = await captureLogs(container, dir, { tty: true });
      expect(logs.stderr).toBeNull();
      expect(logs.note).toBe(TTY_LOG_NOTE);
      expect(await readdir(dir)).toEqual(['stdout.log']);
      const lines = (await readFile(join(dir, 'stdout.log'), 'utf8')).trimEnd().split(/\r?\n/);
      expect(lines).toEqual([expect.stringMatching(TIMESTAMPED), expect.stringMatching(TIMESTAMPED)]);
      expect(lines.join('\n')).toContain(GUIDE_LINES.stdout);
      expect(lines.join('\n')).toContain(GUIDE_LINES.stderr);
      await expectOwnerOnly(dir);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });

  it('refuses to read back a container whose logging driver keeps nothing', async () => {
    const container = await docker.createContainer({
      name: uniqueName('nolog'),
      Image: TEST_IMAGE,
      Cmd: ['sh', '-c', `echo '${GUIDE_LINES.stdout}'`],
      HostConfig: { LogConfig: { Type: 'none', Config: {} } },
    });
    try {
      expect(readableLogDriver('none')).toBe(false);
      await expect(captureLogs(container, dir, { tty: false })).rejects.toMatchObject({ code: 'CAPTURE_LOGS_UNREADABLE' });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });
});
