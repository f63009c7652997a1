import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { containGuide, type GuideContainment } from '../support/contain-guide.js';
import type { CliRun } from '../support/run-cli.js';

// What a compromised container run as the guide runs it can do as its own user: stop
// every tar that starts inside it, which is the tar capture runs to read its tmpfs.
// A sparse file far larger than the tmpfs keeps an unstopped tar busy long past the
// deadline too, so the test does not depend on which of the two wins the race.
const SCRIPT = [
  'dd if=/dev/zero of=/tmp/loot.bin bs=1 count=0 seek=20G 2>/dev/null',
  'echo fine > /app/logs/app.log',
  'touch /tmp/ready',
  'while true; do for p in /proc/[0-9]*; do ' +
    'read -r name < $p/comm 2>/dev/null && [ "$name" = tar ] && kill -STOP ${p#/proc/} 2>/dev/null; done; done',
].join('; ');

describe.skipIf(!inject('docker').ok)('a container that stops the tar reading its tmpfs', () => {
  let contained: GuideContainment;
  let run: CliRun;
  let incidentDir: string;

  beforeAll(async () => {
    contained = await containGuide('stalled', { apiKey: 'gsk_fake_stalling_value', script: SCRIPT,
      capture: { mountTimeout: 4, mountSizeLimit: '100GiB' } });
    ({ run, incidentDir } = contained);
  });

  afterAll(async () => {
    await contained?.remove();
  });

  it('gives up on the stopped tar, fails capture plainly and does not terminate', async () => {
    // 6: partly contained, isolated but not terminated.
    expect(run.code).toBe(6);
    const summary = JSON.parse(run.stdout);
    expect(summary.steps.map((s: { outcome: string }) => s.outcome)).toEqual(['succeeded', 'failed', 'failed']);
    expect(summary.steps[1].error.message).toMatch(/tar in the container (sent nothing|was still sending)/);
    expect(summary.steps[2].error.code).toBe('EVIDENCE_FIRST');
    expect(await new Docker().getContainer(contained.guide.id).inspect()).toMatchObject({ State: { Running: true } });
  });

  it('seals what it has and names each stalled tmpfs as missing, with why', async () => {
    const manifest = JSON.parse(await readFile(join(incidentDir, 'manifest.json'), 'utf8'));
    expect(manifest.complete).toBe(false);
    // /tmp's tar cannot finish before the deadline; the small mounts' may, if they outrun the stopper.
    expect(manifest.missing.map((gap: { what: string }) => gap.what)).toContain('tmpfs mount /tmp');
    for (const gap of manifest.missing) expect(gap.reason).toMatch(/compromised container can stop or slow/);
    const trail = await readFile(join(incidentDir, 'audit.jsonl'), 'utf8');
    expect(trail).toContain('"event":"audit.sealed"');
  });
});
