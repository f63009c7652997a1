import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../support/names.js';
import { runCli, tempDir } from '../support/run-cli.js';
import { createServiceWithSecret, secretExists, type TestService } from '../support/swarm-service.js';

describe.skipIf(!inject('swarm').ok)('ir plan of a Swarm secret rotation', () => {
  let work: string;
  let service: TestService;

  beforeAll(async () => {
    work = await tempDir('plan-swarm');
    service = await createServiceWithSecret(`gsk_swarm_plan_${uniqueName('v')}`);
  }, 120_000);

  afterAll(async () => {
    await service?.remove(uniqueName('none'));
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('names the secret and the services that mount it, and changes neither', async () => {
    const docker = new Docker();
    const before = (await docker.getService(service.id).inspect()).Version.Index;
    const file = join(work, 'swarm.yaml');
    await writeFile(file, `name: s\ntarget:\n  container: ${uniqueName('gone')}\nsteps:\n` +
      `  - rotate-secret:\n      store: swarm\n      secretId: ${service.secretName}\n`);
    const run = await runCli(['plan', '--runbook', file, '--json', '--evidence-dir', join(work, 'plans')]);

    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.aws).toBeUndefined();
    expect(plan.steps[0].details).toMatchObject({
      store: 'swarm', secretId: service.secretName, swarmSecretId: expect.any(String), services: [service.name],
    });
    expect(await secretExists(service.secretName)).toBe(true);
    expect((await docker.getService(service.id).inspect()).Version.Index).toBe(before);
  });
});
