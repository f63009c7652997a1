import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INCIDENT_LABEL } from '../../src/secrets/swarm-secrets.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';
import {
  createServiceWithSecret, mountedSecret, secretExists, serviceSecrets, type TestService,
} from '../support/swarm-service.js';

const docker = new Docker();

describe.skipIf(!inject('swarm').ok)('ir resume after a Swarm rotation that did not converge', () => {
  const oldValue = `gsk_resume_old_${uniqueName('v')}`;
  let work: string;
  let service: TestService;
  let failed: CliRun;
  let resumed: CliRun;
  let dir: string;
  let incident: string;
  let afterFailure: Docker.SecretReference[];

  beforeAll(async () => {
    work = await tempDir('swarm-resume');
    service = await createServiceWithSecret(oldValue, { healthyOnlyWith: oldValue, failureAction: 'pause' });
    await writeFile(join(work, 'runbook.yaml'), [
      'name: swarm-resume', 'target:', `  container: ${uniqueName('gone')}`, 'steps:',
      '  - rotate-secret:', '      store: swarm', `      secretId: ${service.secretName}`,
      '      strategy: generate', '      timeout: 20', '',
    ].join('\n'));
    failed = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes',
      '--evidence-dir', join(work, 'incidents')]);
    dir = await onlyIncidentDir(join(work, 'incidents'));
    incident = JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8')).incident;
    afterFailure = await serviceSecrets(service.id);
    // The cause fixed by hand: the service now accepts any value.
    await promisify(execFile)('docker', ['service', 'update', '--quiet', '--health-cmd', 'true', service.id]);
    resumed = await runCli(['resume', dir, '--yes', '--json']);
  }, 300_000);

  afterAll(async () => {
    await service?.remove(incident);
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('fails naming the service and pointing to ir resume of the same incident', () => {
    const said = failed.stdout + failed.stderr;
    expect(failed.code, said).not.toBe(0);
    expect(said).toContain(service.name);
    expect(said).toContain(`ir resume ${dir}`);
    expect(said).not.toContain(oldValue);
    expect(afterFailure).toEqual([expect.objectContaining({ SecretName: service.secretName })]);
  });

  it('resumes with the same token: the secret it made is mounted, no second one, old one gone', async () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    const ours = await docker.listSecrets({ filters: JSON.stringify({ label: [`${INCIDENT_LABEL}=${incident}`] }) });
    expect(ours.map((secret) => secret.Spec?.Name)).toEqual([`${service.secretName}-v2`]);
    expect(await serviceSecrets(service.id)).toEqual([expect.objectContaining({ SecretName: `${service.secretName}-v2` })]);
    expect(await secretExists(service.secretName)).toBe(false);
    expect(await mountedSecret(service.id)).toMatch(/^[A-Za-z0-9]{32,}$/);
  }, 120_000);
});
