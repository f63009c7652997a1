import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { onlyIncidentDir, runCli, tempDir } from '../support/run-cli.js';

describe.skipIf(!inject('docker').ok)('isolate with a list of networks', () => {
  let guide: GuideContainer;
  let work: string;

  beforeEach(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_isolate_value', networkCount: 2 });
    work = await tempDir('isolate');
  });

  afterEach(async () => {
    await guide.remove();
    await rm(work, { recursive: true, force: true });
  });

  it('never claims isolation while a network the list left out is still attached', async () => {
    const [listed, leftOut] = guide.networks as [string, string];
    await writeFile(join(work, 'runbook.yaml'),
      `name: partial\ntarget:\n  container: ${guide.name}\nsteps:\n  - isolate:\n      networks: [${listed}, typo-net]\n`);
    const run = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'incidents')]);

    expect(run.code).toBe(1);
    const [step] = JSON.parse(run.stdout).steps;
    expect(step).toMatchObject({ outcome: 'failed', error: { code: 'ISOLATE_NETWORK_NOT_ATTACHED' } });
    expect(step.error.message).toBe(`the runbook lists typo-net, which the container is not on, while it is STILL ATTACHED to ${leftOut}`);
    const info = await new Docker().getContainer(guide.id).inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([leftOut]);

    const before = JSON.parse(await readFile(
      join(await onlyIncidentDir(join(work, 'incidents')), 'evidence', guide.name, 'networks.json'), 'utf8'));
    expect(before.map((net: { name: string }) => net.name).sort()).toEqual([...guide.networks].sort());
    expect(before[0]).toMatchObject({ networkId: expect.stringMatching(/^[0-9a-f]{64}$/), ipv4: expect.any(String) });
  });
});
