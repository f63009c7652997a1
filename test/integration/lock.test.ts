import { readdir, rm } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isStepStart, startCli, waitForRecord } from '../support/cli-child.js';
import { runGuideContainer, SLOW_CAPTURE_SCRIPT, type GuideContainer } from '../support/guide-container.js';
import { runCli, tempDir, writeContainRunbook, type CliRun } from '../support/run-cli.js';

describe.skipIf(!inject('docker').ok)('two ir contain at once on one container', () => {
  let guide: GuideContainer;
  let work: string;
  let first: CliRun;
  let second: CliRun;
  let firstPid: number;

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_lock_value', script: SLOW_CAPTURE_SCRIPT });
    work = await tempDir('lock');
    const runbook = await writeContainRunbook(work, guide.name);
    const evidence = join(work, 'incidents');
    const child = startCli(['contain', '--runbook', runbook, '--yes', '--case', 'FIRST', '--evidence-dir', evidence]);
    firstPid = child.pid;
    await waitForRecord(join(evidence, 'FIRST'), isStepStart('capture'), child);
    second = await runCli(['contain', '--runbook', runbook, '--yes', '--case', 'SECOND', '--evidence-dir', evidence]);
    first = await child.done;
  }, 180_000);

  afterAll(async () => {
    await guide?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses the second, naming who holds the container: user, host, pid, incident, since when', () => {
    expect(second.code).toBe(3);
    const holder = `locked by incident FIRST: ${userInfo().username}@${hostname()}, pid ${firstPid}, since 20`;
    expect(second.stderr).toContain(holder);
  });

  it('lets the first one finish, and leaves no trace of the second or of the lock', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(await readdir(join(work, 'incidents'))).toEqual(['.locks', 'FIRST']);
    expect(await readdir(join(work, 'incidents', '.locks'))).toEqual([]);
  });
});
