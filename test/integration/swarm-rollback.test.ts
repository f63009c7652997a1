import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { IrError } from '../../src/errors.js';
import { Redactor } from '../../src/redactor.js';
import { rotationToken } from '../../src/secrets/new-value.js';
import { rotateSwarmSecret } from '../../src/secrets/swarm-rotate.js';
import {
  createSwarmSecret, findSecretByName, INCIDENT_LABEL, REPLACES_LABEL, switchService, TOKEN_LABEL,
} from '../../src/secrets/swarm-secrets.js';
import { uniqueName } from '../support/names.js';
import { tempDir } from '../support/run-cli.js';
import {
  createServiceOn, createServiceWithSecret, mountedSecret, secretExists, serviceSecrets, type TestService,
} from '../support/swarm-service.js';

const docker = new Docker();
const RESUME = 'ir resume /incidents/IR-test';

async function openAudit(work: string, incident: string, target: string): Promise<AuditTrail> {
  return AuditTrail.create(join(work, 'audit.jsonl'),
    { incident, actor: { user: 'tester', host: 'test' }, target }, new Redactor());
}

async function removeServices(services: TestService[], incident: string): Promise<void> {
  for (const service of services) await service.remove(incident);
}

describe.skipIf(!inject('swarm').ok)('a Swarm rotation whose services do not converge', () => {
  const oldValue = `gsk_rollback_old_${uniqueName('v')}`;
  const newValue = `gsk_rollback_new_${uniqueName('v')}`;
  const incidentId = uniqueName('IR-rollback');
  const services: TestService[] = [];
  let work: string;
  let audit: AuditTrail;
  let failure: unknown;

  beforeAll(async () => {
    work = await tempDir('swarm-rollback');
    // Each is healthy only on the old value; Swarm pauses one, rolls one back, lets one carry on,
    // and one waits for ever (its health checks never give up).
    const first = await createServiceWithSecret(oldValue, { healthyOnlyWith: oldValue, failureAction: 'pause' });
    services.push(first);
    const secret = { id: (await findSecretByName(docker, first.secretName))!.id, name: first.secretName };
    for (const failureAction of ['rollback', 'continue'] as const) {
      services.push(await createServiceOn(secret, { healthyOnlyWith: oldValue, failureAction }));
    }
    services.push(await createServiceOn(secret, { healthyOnlyWith: oldValue, retries: 100_000 }));
    audit = await openAudit(work, incidentId, first.name);
    failure = await rotateSwarmSecret(docker, audit, {
      secretName: first.secretName, newValue: async () => newValue, incidentId, timeoutMs: 20_000,
      intervalMs: 500, clientRequestToken: rotationToken(incidentId, 'rollback'), resumeCommand: RESUME,
    }).then(() => undefined, (error: unknown) => error);
  }, 300_000);

  afterAll(async () => {
    await audit?.close();
    await removeServices(services, incidentId);
    if (work) await rm(work, { recursive: true, force: true });
  }, 180_000);

  it('fails naming every service and where it ended, and points to ir resume', () => {
    expect(failure).toBeInstanceOf(IrError);
    const error = failure as IrError;
    expect(error.code).toBe('SWARM_NOT_CONVERGED');
    for (const service of services) expect(error.message).toContain(`${service.name} (${service.id.slice(0, 12)})`);
    expect(error.message).toContain(`${services[0]!.secretName} was kept`);
    expect(error.message).not.toContain('NOT back on');
    expect(error.hint).toContain(RESUME);
  });

  it('puts every service back on the old secret, running with the old value', async () => {
    expect(await secretExists(services[0]!.secretName)).toBe(true);
    for (const service of services) {
      expect(await serviceSecrets(service.id), service.name)
        .toEqual([expect.objectContaining({ SecretName: service.secretName })]);
      expect(await mountedSecret(service.id), service.name).toBe(oldValue);
    }
  }, 180_000);

  it('records each service outcome in the audit trail, and never a value', async () => {
    const trail = await readFile(join(work, 'audit.jsonl'), 'utf8');
    const records = trail.trim().split('\n').map((line) => JSON.parse(line));
    const failed = records.find((record) => record.event === 'docker.secret.rotate');
    expect(failed.outcome ?? failed.status).toBe('failed');
    expect(JSON.stringify(failed)).toContain(services[3]!.name);
    for (const service of services) expect(JSON.stringify(failed)).toContain(service.id);
    expect(trail).not.toContain(newValue);
    expect(trail).not.toContain(oldValue);
  });
});

describe.skipIf(!inject('swarm').ok)('a Swarm rotation after one left a service mid-update', () => {
  const oldValue = `gsk_stuck_old_${uniqueName('v')}`;
  const earlier = uniqueName('IR-stuck');
  const incidentId = uniqueName('IR-again');
  let work: string;
  let audit: AuditTrail;
  let service: TestService;

  beforeAll(async () => {
    work = await tempDir('swarm-stuck');
    service = await createServiceWithSecret(oldValue, { healthyOnlyWith: oldValue, retries: 100_000 });
    audit = await openAudit(work, incidentId, service.name);
    // What a run killed while waiting leaves: the service points at -v2 and its update never ends.
    const old = (await findSecretByName(docker, service.secretName))!;
    const v2 = await createSwarmSecret(docker, audit, `${service.secretName}-v2`, 'unused-value', {
      [TOKEN_LABEL]: rotationToken(earlier, 'stuck'), [REPLACES_LABEL]: old.name, [INCIDENT_LABEL]: earlier,
    });
    await switchService(audit, docker.getService(service.id), old, v2);
  }, 240_000);

  afterAll(async () => {
    await audit?.close();
    await service?.remove(earlier);
    await service?.remove(incidentId);
    if (work) await rm(work, { recursive: true, force: true });
  }, 180_000);

  it('refuses, keeps the old secret, creates nothing, and names the service and its state', async () => {
    const run = rotateSwarmSecret(docker, audit, {
      secretName: service.secretName, newValue: async () => 'never-used', incidentId, timeoutMs: 10_000,
      intervalMs: 500, clientRequestToken: rotationToken(incidentId, 'stuck'), resumeCommand: RESUME,
    });
    await expect(run).rejects.toMatchObject({ code: 'SWARM_ROTATION_UNFINISHED',
      message: expect.stringMatching(new RegExp(`${service.name} .*${service.secretName}-v2.*${earlier}`)) });
    await expect(run).rejects.toMatchObject({ hint: expect.stringContaining(RESUME) });
    expect(await secretExists(service.secretName)).toBe(true);
    expect(await secretExists(`${service.secretName}-v3`)).toBe(false);
  }, 60_000);
});
