import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { onlyIncidentDir, runCli, tempDir, writeContainRunbook, type CliRun } from '../support/run-cli.js';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** Writes 3 MiB into the container's /tmp, more than the evidence disk holds. */
const SCRIPT = 'dd if=/dev/urandom of=/tmp/big bs=1024 count=3072 2>/dev/null; touch /tmp/ready; exec sleep 3600';

describe.skipIf(!inject('docker').ok || !isRoot)('an evidence disk that fills up (a 2 MiB tmpfs)', () => {
  let guide: GuideContainer;
  let work: string;
  let disk: string;
  let run: CliRun;
  let dir: string;

  beforeAll(async () => {
    work = await tempDir('diskfull');
    disk = join(work, 'disk');
    await exec('mkdir', [disk]);
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk]);
    guide = await runGuideContainer({ apiKey: 'gsk_fake_diskfull_value', script: SCRIPT });
    await writeContainRunbook(work, guide.name);
    run = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(disk, 'incidents')]);
    dir = await onlyIncidentDir(join(disk, 'incidents'));
  }, 120_000);

  afterAll(async () => {
    await guide?.remove();
    if (disk) await exec('umount', [disk]).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('fails capture with one clear cause, and terminate refuses to run', async () => {
    expect(run.code, run.stderr).toBe(6);
    const summary = JSON.parse(run.stdout);
    expect(summary.steps.map((s: { outcome: string }) => s.outcome)).toEqual(['succeeded', 'failed', 'failed']);
    expect(summary.steps[1].error).toMatchObject({ code: 'EVIDENCE_DISK_FULL',
      message: expect.stringMatching(/^capture stopped: the evidence disk under .* is full; cut short and marked partial: /) });
    expect(summary.steps[2].error.code).toBe('EVIDENCE_FIRST');
    expect((await new Docker().getContainer(guide.id).inspect()).State.Running).toBe(true);
  });

  it('lists nothing as captured that was not: cut files are partial, the rest missing', async () => {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.complete).toBe(false);
    const partial = manifest.items.filter((item: { partial?: boolean }) => item.partial).map((i: { path: string }) => i.path);
    expect(partial.length).toBeGreaterThan(0);
    // /tmp holds 3 MiB: it cannot have been captured whole on a 2 MiB disk.
    expect(manifest.missing).toContainEqual(expect.objectContaining({ what: 'tmpfs mount /tmp' }));
    const tmpTar = manifest.items.find((i: { path: string }) => i.path === `evidence/${guide.name}/mounts/tmp.tar`);
    expect(tmpTar === undefined || tmpTar.partial === true).toBe(true);
  });

  it('leaves a trail, journal and manifest that verify', async () => {
    const journal = JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));
    expect(journal.steps.map((s: { state: string }) => s.state)).toEqual(['done', 'failed', 'failed']);
    expect(journal.steps[1].error.code).toBe('EVIDENCE_DISK_FULL');
    expect((await runCli(['audit', 'verify', dir])).code).toBe(0);
    const verify = await runCli(['evidence', 'verify', dir]);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/INCOMPLETE/);
  });

  it('refuses to start on a disk without room even to record a failure', async () => {
    const small = join(work, 'small');
    await exec('mkdir', [small]);
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', small]);
    try {
      const refused = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes',
        '--evidence-dir', join(small, 'incidents')]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^ir: the evidence disk is full: not even 256 KiB free in /);
      expect((await new Docker().getContainer(guide.id).inspect()).State.Running).toBe(true);
      // Nothing touched, nothing left: no empty incident directory takes the little room there is.
      expect((await readdir(join(small, 'incidents'))).filter((name) => !name.startsWith('.'))).toEqual([]);
    } finally {
      await exec('umount', [small]);
    }
  });
});
