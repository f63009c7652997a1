/**
 * Rotates a Docker Swarm secret. Swarm secrets cannot be changed in place, so
 * a new secret is created (the old name with a version suffix), every service
 * that mounted the old one is switched to it at the same target path in one
 * update each, the updates must converge, and only then is the old one removed.
 * A rerun with the same token finds the secret it created and carries on.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { AuditTrail } from '../audit/audit-trail.js';
import { IrError } from '../errors.js';
import {
  createSwarmSecret, findOurSecret, findSecretByName, INCIDENT_LABEL, nextSecretName, removeSwarmSecret,
  REPLACES_LABEL, requireSwarmManager, secretsOf, servicesUsing, switchService, TOKEN_LABEL, type SwarmSecretRef,
} from './swarm-secrets.js';

export interface SwarmRotationRequest {
  secretName: string;
  /** Called only when a new secret must be created: a rerun never makes a second one. */
  newValue(): Promise<string>;
  clientRequestToken: string;
  incidentId: string;
  timeoutMs: number;
  intervalMs?: number;
}

/** What happened, by ids and names only. */
export interface SwarmRotationResult {
  oldSecret: SwarmSecretRef;
  newSecret: SwarmSecretRef;
  /** Services now mounting the new secret. */
  services: string[];
  /** True when an earlier run with the same token had created the new secret. */
  resumed: boolean;
}

export async function rotateSwarmSecret(
  docker: Docker, audit: AuditTrail, request: SwarmRotationRequest,
): Promise<SwarmRotationResult> {
  await requireSwarmManager(docker);
  const ours = await findOurSecret(docker, request.clientRequestToken);
  const oldName = ours?.replaces || request.secretName;
  const old = await findSecretByName(docker, oldName);
  if (!ours && !old) throw notFound(request.secretName);
  const fresh = ours ?? await createNew(docker, audit, old!, request);

  if (old) {
    for (const service of await servicesUsing(docker, old.id)) await switchService(audit, service, old, fresh);
  }
  const services = await servicesUsing(docker, fresh.id);
  await waitForConvergence(docker, services, fresh.id, request);
  if (old) await removeSwarmSecret(docker, audit, old);
  const names = await Promise.all(services.map(async (service) => (await service.inspect()).Spec.Name as string));
  return { oldSecret: old ?? { id: 'removed', name: oldName }, newSecret: fresh, services: names,
    resumed: ours !== undefined };
}

async function createNew(
  docker: Docker, audit: AuditTrail, old: SwarmSecretRef, request: SwarmRotationRequest,
): Promise<SwarmSecretRef> {
  const name = await nextSecretName(docker, old.name);
  return createSwarmSecret(docker, audit, name, await request.newValue(), {
    [TOKEN_LABEL]: request.clientRequestToken, [REPLACES_LABEL]: old.name, [INCIDENT_LABEL]: request.incidentId,
  });
}

const FAILED_UPDATE = new Set(['paused', 'rollback_started', 'rollback_paused', 'rollback_completed']);

/** Waits until every service's update completed and each running task mounts the new secret. */
async function waitForConvergence(
  docker: Docker, services: Docker.Service[], secretId: string, request: SwarmRotationRequest,
): Promise<void> {
  const deadline = Date.now() + request.timeoutMs;
  for (const service of services) {
    while (!(await converged(docker, service, secretId))) {
      if (Date.now() > deadline) throw notConverged(service.id, request);
      await delay(request.intervalMs ?? 1_000);
    }
  }
}

async function converged(docker: Docker, service: Docker.Service, secretId: string): Promise<boolean> {
  const info = await service.inspect();
  const state = (info.UpdateStatus as { State?: string } | undefined)?.State;
  if (state && FAILED_UPDATE.has(state)) {
    throw new IrError(`service ${info.Spec.Name} did not take the new secret: its update is ${state}`, {
      code: 'SWARM_UPDATE_FAILED',
      source: 'environment',
      hint: `see docker service ps ${info.Spec.Name}; the old secret was kept`,
    });
  }
  if (state && state !== 'completed') return false;
  const tasks = await docker.listTasks({
    filters: JSON.stringify({ service: [info.ID], 'desired-state': ['running'] }),
  });
  return tasks.length > 0 && tasks.every((task) => task.Status?.State === 'running' &&
    secretsOf({ TaskTemplate: task.Spec } as Docker.ServiceSpec).some((ref) => ref.SecretID === secretId));
}

function notFound(name: string): IrError {
  return new IrError(`the swarm has no secret named "${name}"`, {
    code: 'SWARM_SECRET_NOT_FOUND',
    source: 'input',
    hint: "check the runbook's secretId against docker secret ls",
  });
}

function notConverged(serviceId: string, request: SwarmRotationRequest): IrError {
  return new IrError(`service ${serviceId} did not converge on the new secret within ` +
    `${Math.round(request.timeoutMs / 1000)}s; the old secret was kept`, {
    code: 'SWARM_NOT_CONVERGED',
    source: 'environment',
    hint: `see docker service ps ${serviceId}, then rerun the step: it reuses the secret it created`,
  });
}
