import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { containGuide, type GuideContainment } from '../support/contain-guide.js';
import { type CliRun, onlyIncidentDir, runCli } from '../support/run-cli.js';

// Without capabilities not even the file's owner can read a mode-000 file, so tar in the container fails.
const SCRIPT = "echo locked > /tmp/locked; chmod 000 /tmp/locked; echo fine > /app/logs/app.log; touch /tmp/ready; exec sleep 3600";

describe.skipIf(!inject('docker').ok)('a capture that cannot get everything', () => {
  let contained: GuideContainment;
  let work: string;
  let run: CliRun;
  let incidentDir: string;

  beforeAll(async () => {
    contained = await containGuide('partial', { apiKey: 'gsk_fake_partial_value', script: SCRIPT });
    ({ work, run, incidentDir } = contained);
  });

  afterAll(async () => {
    await contained?.remove();
  });

  it('fails the capture step, and terminate refuses to destroy what was not captured', async () => {
    // Isolated but not terminated: partly contained.
    expect(run.code).toBe(6);
    const summary = JSON.parse(run.stdout);
    expect(summary.partlyContained).toBe(true);
    expect(summary.steps.map((s: { outcome: string }) => s.outcome)).toEqual(['succeeded', 'failed', 'failed']);
    expect(summary.steps[1].error.message).toMatch(/tmpfs mount \/tmp/);
    expect(summary.steps[2].error.code).toBe('EVIDENCE_FIRST');
    expect(await new Docker().getContainer(contained.guide.id).inspect()).toMatchObject({ State: { Running: true } });
  });

  it('marks what it saved of the failed mount as partial and says what is missing', async () => {
    const manifest = JSON.parse(await readFile(join(incidentDir, 'manifest.json'), 'utf8'));
    expect(manifest.complete).toBe(false);
    expect(manifest.missing).toEqual([expect.objectContaining({ what: 'tmpfs mount /tmp' })]);
    const tmpTar = manifest.items.find((item: { path: string }) => item.path.endsWith('mounts/tmp.tar'));
    expect(tmpTar).toMatchObject({ partial: true });
    const appLogs = manifest.items.find((item: { path: string }) => item.path.endsWith('mounts/app-logs.tar'));
    expect(appLogs.partial).toBeUndefined();
  });

  it('terminates after the failed capture only with an audited override', async () => {
    const forced = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'forced'), '--force-terminate', '--reason', 'tmpfs file unreadable; contain now']);
    expect(JSON.parse(forced.stdout).steps.map((s: { outcome: string }) => s.outcome)).toEqual(['succeeded', 'failed', 'succeeded']);
    await expect(new Docker().getContainer(contained.guide.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const trail = await readFile(join(await onlyIncidentDir(join(work, 'forced')), 'audit.jsonl'), 'utf8');
    expect(trail).toContain('"reason":"tmpfs file unreadable; contain now"');
  });

  it('still seals the hashes of everything it did save', async () => {
    const { stdout } = await promisify(execFile)('sha256sum', ['-c', 'SHA256SUMS'], { cwd: incidentDir });
    expect(stdout).toMatch(/mounts\/tmp\.tar: OK/);
  });
});
