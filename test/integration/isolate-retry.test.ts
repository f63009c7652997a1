import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { resolveContainer } from '../../src/docker/resolve-container.js';
import { EvidenceBundle } from '../../src/evidence/evidence-bundle.js';
import { Redactor } from '../../src/redactor.js';
import { isolate } from '../../src/steps/isolate.js';
import type { StepContext } from '../../src/steps/step-context.js';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { tempDir } from '../support/run-cli.js';

const docker = new Docker();

describe.skipIf(!inject('docker').ok)('isolate retried after an attempt that was killed part-way', () => {
  let guide: GuideContainer;
  let work: string;

  beforeEach(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_retry_value', networkCount: 2 });
    work = await tempDir('isolate-retry');
  });

  afterEach(async () => {
    await guide.remove();
    await rm(work, { recursive: true, force: true });
  });

  /** The step as `ir resume` runs it: `recall` gives what the killed attempt remembered. */
  async function retryContext(remembered: Record<string, unknown>): Promise<StepContext> {
    const redactor = new Redactor();
    const container = await resolveContainer(docker, guide.id);
    const audit = await AuditTrail.create(join(work, 'audit.jsonl'),
      { incident: 'IR-retry', actor: { user: 'u', host: 'h' }, target: container.name }, redactor);
    const bundle = new EvidenceBundle(work, { incident: 'IR-retry', tool: { name: 'ir', version: '0' },
      operator: { user: 'u', host: 'h' }, target: { container: container.name } }, redactor);
    return {
      incidentId: 'IR-retry', incidentDir: work, evidenceDir: work, docker, container, audit, bundle, redactor,
      remember: async () => undefined, recall: () => remembered,
    } as unknown as StepContext;
  }

  it('records every network the container was on, including the one the first attempt cut', async () => {
    const [cut, left] = guide.networks as [string, string];
    const before = (await docker.getContainer(guide.id).inspect()).NetworkSettings.Networks;
    const remembered = Object.entries(before).map(([name, net]) => ({
      name, networkId: net.NetworkID, ipv4: net.IPAddress, mac: net.MacAddress, aliases: net.Aliases ?? [],
    }));
    // What the killed attempt got done: one disconnect of two.
    await docker.getNetwork(cut).disconnect({ Container: guide.id, Force: true });

    const ctx = await retryContext({ networks: remembered });
    const result = await isolate.run({ networks: 'all', freeze: false, fallback: 'pause' }, ctx);
    await ctx.audit.close();

    expect(result.details.disconnected).toEqual(expect.arrayContaining([cut, left]));
    const recorded = JSON.parse(await readFile(join(work, 'networks.json'), 'utf8'));
    expect(recorded.map((net: { name: string }) => net.name).sort()).toEqual([cut, left].sort());
    expect(recorded.find((net: { name: string }) => net.name === cut).ipv4).toBe(before[cut]!.IPAddress);
    const trail = await readFile(join(work, 'audit.jsonl'), 'utf8');
    // Only the network still attached is disconnected again.
    expect(trail.match(/"event":"docker\.network\.disconnect\.started"/g)).toHaveLength(1);
    expect(Object.keys((await docker.getContainer(guide.id).inspect()).NetworkSettings.Networks)).toEqual([]);
  });
});
