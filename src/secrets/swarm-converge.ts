/**
 * Waiting for Swarm services to take a new secret, and undoing the switch
 * when they do not: a rotation that did not converge puts every service it
 * switched back on the old secret, so the world is as it was and a retry
 * starts clean. Each service's outcome is kept, by name and id, for the
 * error, the summary and the audit trail.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { AuditTrail } from '../audit/audit-trail.js';
import { secretsOf, switchService, type SwarmSecretRef } from './swarm-secrets.js';

/** Update states that go no further without a person. */
const STOPPED_UPDATE = new Set(['paused', 'rollback_paused']);
const SETTLED_UPDATE = new Set(['completed', 'rollback_completed']);

/** Where one service ended: 'converged', or the update state it was stuck or failed in. */
export interface ServiceOutcome {
  name: string;
  id: string;
  state: string;
}

export interface ConvergeOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/** "svc-a (k3j9…)": a service as people know it, with the id to tell twins apart. */
export function describeService(outcome: Pick<ServiceOutcome, 'name' | 'id'>): string {
  return `${outcome.name} (${outcome.id.slice(0, 12)})`;
}

/** Waits for every service, until each converged, failed, or the shared deadline passed. */
export async function waitForServices(
  docker: Docker, services: Docker.Service[], secretId: string, options: ConvergeOptions,
): Promise<ServiceOutcome[]> {
  const deadline = Date.now() + options.timeoutMs;
  const outcomes: ServiceOutcome[] = [];
  for (const service of services) outcomes.push(await waitForOne(docker, service, secretId, deadline, options));
  return outcomes;
}

async function waitForOne(
  docker: Docker, service: Docker.Service, secretId: string, deadline: number, options: ConvergeOptions,
): Promise<ServiceOutcome> {
  for (;;) {
    const info = await service.inspect();
    const state = updateStateOf(info);
    const outcome = { name: info.Spec.Name as string, id: info.ID as string, state: `update ${state}` };
    // Swarm rolling the service back by itself: it no longer points at the secret.
    if (!mounts(info.Spec, secretId)) return { ...outcome, state: `update ${state} by Swarm` };
    if (STOPPED_UPDATE.has(state)) return outcome;
    if (SETTLED_UPDATE.has(state) && await tasksMount(docker, info.ID, secretId)) {
      return { ...outcome, state: 'converged' };
    }
    if (Date.now() > deadline) return { ...outcome, state: `timed out, update ${state}` };
    await delay(options.intervalMs ?? 1_000);
  }
}

/** A service never updated has no update status: it is as settled as a completed one. */
function updateStateOf(info: { UpdateStatus?: { State?: string } }): string {
  return info.UpdateStatus?.State || 'completed';
}

async function tasksMount(docker: Docker, serviceId: string, secretId: string): Promise<boolean> {
  const tasks = await docker.listTasks({
    filters: JSON.stringify({ service: [serviceId], 'desired-state': ['running'] }),
  });
  return tasks.length > 0 && tasks.every((task) => task.Status?.State === 'running' &&
    mounts({ TaskTemplate: task.Spec } as Docker.ServiceSpec, secretId));
}

function mounts(spec: Docker.ServiceSpec | undefined, secretId: string): boolean {
  return secretsOf(spec).some((ref) => ref.SecretID === secretId);
}

/**
 * Puts every service that points at the new secret back on the old one and
 * waits for that; a service Swarm already rolled back is only waited for.
 * Returns, per service, what it did on the new secret and where it ended.
 */
export async function rollBackServices(
  docker: Docker, audit: AuditTrail, outcomes: ServiceOutcome[],
  secrets: { from: SwarmSecretRef; to: SwarmSecretRef }, options: ConvergeOptions,
): Promise<ServiceOutcome[]> {
  const services = outcomes.map((outcome) => docker.getService(outcome.id));
  for (const service of services) {
    const info = await service.inspect();
    if (mounts(info.Spec, secrets.from.id)) {
      await switchService(audit, service, secrets.from, secrets.to, info);
    }
  }
  const after = await waitForServices(docker, services, secrets.to.id, options);
  return outcomes.map((outcome, index) => ({ ...outcome, state: describeRollback(outcome, after[index]!, secrets) }));
}

function describeRollback(
  before: ServiceOutcome, after: ServiceOutcome, secrets: { from: SwarmSecretRef; to: SwarmSecretRef },
): string {
  const was = before.state === 'converged' ? `had switched to ${secrets.from.name}` : before.state;
  return after.state === 'converged'
    ? `${was}; back on ${secrets.to.name}`
    : `${was}; NOT back on ${secrets.to.name}: rollback ${after.state}`;
}
