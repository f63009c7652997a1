/**
 * Rotates a Docker Swarm secret. Swarm secrets cannot be changed in place, so
 * a new secret is created (the old name with a version suffix), every service
 * that mounted the old one is switched to it at the same target path in one
 * update each, the updates must converge, and only then is the old one removed.
 * When they do not converge, every switched service is put back on the old
 * secret, which is kept. A rerun with the same token finds the secret it
 * created and carries on; a different token stops at a rotation left unfinished.
 */
import type Docker from 'dockerode';
import type { AuditTrail } from '../audit/audit-trail.js';
import { IrError } from '../errors.js';
import {
  describeService, rollBackServices, waitForServices, type ServiceOutcome,
} from './swarm-converge.js';
import { refuseUnfinishedRotation } from './swarm-guard.js';
import {
  createSwarmSecret, findOurSecret, findSecretByName, INCIDENT_LABEL, nextSecretName, removeSwarmSecret,
  REPLACES_LABEL, requireSwarmManager, servicesUsing, switchService, TOKEN_LABEL, type SwarmSecretRef,
} from './swarm-secrets.js';

export interface SwarmRotationRequest {
  secretName: string;
  /** Called only when a new secret must be created: a rerun never makes a second one. */
  newValue(): Promise<string>;
  clientRequestToken: string;
  incidentId: string;
  timeoutMs: number;
  intervalMs?: number;
  /** The command that retries this rotation with the same token (`ir resume <incident dir>`). */
  resumeCommand: string;
}

/** What happened, by ids and names only. */
export interface SwarmRotationResult {
  oldSecret: SwarmSecretRef;
  newSecret: SwarmSecretRef;
  /** Services now mounting the new secret, by name. */
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
  if (old) await refuseUnfinishedRotation(docker, old, ours, request.resumeCommand);
  const fresh = ours ?? await createNew(docker, audit, old!, request);

  if (old) {
    for (const service of await servicesUsing(docker, old.id)) await switchService(audit, service, old, fresh);
  }
  const outcomes = await waitForServices(docker, await servicesUsing(docker, fresh.id), fresh.id, request);
  if (outcomes.some((outcome) => outcome.state !== 'converged')) {
    throw await undo(docker, audit, outcomes, { fresh, old }, request);
  }
  if (old) await removeSwarmSecret(docker, audit, old);
  return { oldSecret: old ?? { id: 'removed', name: oldName }, newSecret: fresh,
    services: outcomes.map((outcome) => outcome.name), resumed: ours !== undefined };
}

async function createNew(
  docker: Docker, audit: AuditTrail, old: SwarmSecretRef, request: SwarmRotationRequest,
): Promise<SwarmSecretRef> {
  const name = await nextSecretName(docker, old.name);
  return createSwarmSecret(docker, audit, name, await request.newValue(), {
    [TOKEN_LABEL]: request.clientRequestToken, [REPLACES_LABEL]: old.name, [INCIDENT_LABEL]: request.incidentId,
  });
}

/** Puts every service back on the old secret, records each one's outcome, and returns the error. */
async function undo(
  docker: Docker, audit: AuditTrail, outcomes: ServiceOutcome[],
  secrets: { fresh: SwarmSecretRef; old?: SwarmSecretRef }, request: SwarmRotationRequest,
): Promise<IrError> {
  const final = secrets.old
    ? await rollBackServices(docker, audit, outcomes, { from: secrets.fresh, to: secrets.old }, request)
    : outcomes.map((outcome) => ({ ...outcome, state: `${outcome.state}; the old secret is gone` }));
  await audit.append('docker.secret.rotate', 'failed', {
    oldSecret: secrets.old, newSecret: secrets.fresh, services: final,
  });
  return notConverged(final, secrets, request);
}

function notFound(name: string): IrError {
  return new IrError(`the swarm has no secret named "${name}"`, {
    code: 'SWARM_SECRET_NOT_FOUND',
    source: 'input',
    hint: "check the runbook's secretId against docker secret ls",
  });
}

function notConverged(
  final: ServiceOutcome[], secrets: { fresh: SwarmSecretRef; old?: SwarmSecretRef }, request: SwarmRotationRequest,
): IrError {
  const each = final.map((outcome) => `${describeService(outcome)}: ${outcome.state}`).join('; ');
  const kept = secrets.old ? `${secrets.old.name} was kept` : 'the old secret was already gone';
  const names = final.map((outcome) => outcome.name).join(', ');
  return new IrError(`the services did not all converge on ${secrets.fresh.name} (waited up to ` +
    `${Math.round(request.timeoutMs / 1000)}s); ${kept}. ${each}`, {
    code: 'SWARM_NOT_CONVERGED',
    source: 'environment',
    hint: `see docker service ps ${names}; once the cause is fixed, ${request.resumeCommand} ` +
      `retries with the same token and reuses ${secrets.fresh.name}`,
  });
}
