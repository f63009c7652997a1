import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { Redactor } from '../../src/redactor.js';
import { rotationToken } from '../../src/secrets/new-value.js';
import { TOKEN_LABEL } from '../../src/secrets/swarm-secrets.js';
import { rotateSwarmSecret, type SwarmRotationResult } from '../../src/secrets/swarm-rotate.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';
import {
  createServiceWithSecret, mountedSecret, SECRET_TARGET, secretExists, serviceSecrets, type TestService,
} from '../support/swarm-service.js';

const docker = new Docker();

describe.skipIf(!inject('swarm').ok)('Swarm secret rotation on a single-node swarm', () => {
  const oldValue = `gsk_swarm_old_${uniqueName('v')}`;
  const newValue = `gsk_swarm_new_${uniqueName('v')}`;
  const incidentId = uniqueName('IR-swarm');
  const token = rotationToken(incidentId, 'swarm-suite');
  let work: string;
  let service: TestService;
  let first: SwarmRotationResult;
  let audit: AuditTrail;

  beforeAll(async () => {
    work = await tempDir('swarm');
    service = await createServiceWithSecret(oldValue);
    audit = await AuditTrail.create(join(work, 'audit.jsonl'),
      { incident: incidentId, actor: { user: 'tester', host: 'test' }, target: service.name }, new Redactor());
    first = await rotateSwarmSecret(docker, audit, {
      secretName: service.secretName, newValue: async () => newValue, clientRequestToken: token, incidentId,
      timeoutMs: 180_000,
    });
  }, 240_000);

  afterAll(async () => {
    await audit?.close();
    await service?.remove(incidentId);
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('keeps the service running with the new secret at the same path', async () => {
    expect(first).toMatchObject({
      oldSecret: { name: service.secretName }, newSecret: { name: `${service.secretName}-v2` },
      services: [service.name], resumed: false,
    });
    expect(await mountedSecret(service.id)).toBe(newValue);
    expect(await serviceSecrets(service.id)).toEqual([expect.objectContaining({
      SecretID: first.newSecret.id, SecretName: first.newSecret.name,
      File: expect.objectContaining({ Name: SECRET_TARGET, Mode: 0o444 }),
    })]);
  });

  it('removes the old secret', async () => {
    expect(await secretExists(service.secretName)).toBe(false);
  });

  it('records each change before and after, and never the value', async () => {
    const trail = await readFile(join(work, 'audit.jsonl'), 'utf8');
    const events = trail.trim().split('\n').map((line) => JSON.parse(line).event as string);
    for (const change of ['docker.secret.create', 'docker.service.update', 'docker.secret.remove']) {
      expect(events.indexOf(`${change}.started`), change).toBeGreaterThanOrEqual(0);
      expect(events.indexOf(`${change}.started`)).toBeLessThan(events.indexOf(change));
    }
    expect(trail).not.toContain(newValue);
    expect(trail).not.toContain(Buffer.from(newValue).toString('base64'));
  });

  it('reruns with the same token without making a second secret', async () => {
    const again = await rotateSwarmSecret(docker, audit, {
      secretName: service.secretName, newValue: async () => 'never-used-value', clientRequestToken: token,
      incidentId, timeoutMs: 180_000,
    });
    expect(again).toMatchObject({ newSecret: first.newSecret, resumed: true, services: [service.name] });
    const ours = await docker.listSecrets({ filters: JSON.stringify({ label: [`${TOKEN_LABEL}=${token}`] }) });
    expect(ours).toHaveLength(1);
    expect(await mountedSecret(service.id)).toBe(newValue);
  }, 240_000);
});

describe.skipIf(!inject('swarm').ok)('ir contain with a Swarm rotate-secret step', () => {
  const oldValue = `gsk_swarm_cli_old_${uniqueName('v')}`;
  let work: string;
  let service: TestService;
  let run: CliRun;
  let dir: string;

  beforeAll(async () => {
    work = await tempDir('swarm-cli');
    service = await createServiceWithSecret(oldValue);
    await writeFile(join(work, 'runbook.yaml'), [
      'name: swarm', 'target:', `  container: ${uniqueName('gone')}`, 'steps:',
      '  - rotate-secret:', '      store: swarm', `      secretId: ${service.secretName}`,
      '      strategy: generate', '      length: 40', '      timeout: 180', '',
    ].join('\n'));
    run = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'incidents')]);
    dir = await onlyIncidentDir(join(work, 'incidents'));
  }, 240_000);

  afterAll(async () => {
    const incident = dir ? JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8')).incident : '';
    await service?.remove(incident);
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('generates a value, mounts it, and keeps it out of every output and record', async () => {
    expect(run.code, run.stderr).toBe(0);
    const generated = await mountedSecret(service.id);
    expect(generated).toMatch(/^[A-Za-z0-9]{40}$/);
    const summary = JSON.parse(run.stdout);
    expect(summary.steps[0]).toMatchObject({ kind: 'rotate-secret', outcome: 'succeeded',
      followUps: expect.arrayContaining([
        expect.stringContaining(`${service.secretName}-v2 is known only to the services that mount it`)]) });
    for (const file of ['audit.jsonl', 'journal.json', 'manifest.json']) {
      expect(await readFile(join(dir, file), 'utf8'), file).not.toContain(generated);
    }
    expect(run.stdout + run.stderr).not.toContain(generated);
    expect(run.stdout + run.stderr).not.toContain(oldValue);
  });
});
