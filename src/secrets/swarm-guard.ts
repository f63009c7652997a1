/**
 * Before a Swarm rotation creates anything: a service that mounts a newer
 * version of the secret (one `ir` made, or one named with its version
 * suffix) is the trace of an earlier rotation that did not finish. Going on
 * would switch no service, remove the old secret a task may still read, and
 * report success; so the rotation stops and says which service is where.
 */
import type Docker from 'dockerode';
import { IrError } from '../errors.js';
import { describeService } from './swarm-converge.js';
import { INCIDENT_LABEL, REPLACES_LABEL, secretsOf, type SwarmSecretRef } from './swarm-secrets.js';

interface Moved {
  service: string;
  secret: string;
  state: string;
  incident?: string;
}

/** Refuses when a service left the old secret for a newer one other than `ours`. */
export async function refuseUnfinishedRotation(
  docker: Docker, old: SwarmSecretRef, ours: SwarmSecretRef | undefined, resume: string,
): Promise<void> {
  const newer = (await newerVersions(docker, old.name)).filter((secret) => secret.ID !== ours?.id);
  if (newer.length === 0) return;
  const moved = await servicesOn(docker, newer);
  if (moved.length > 0) throw unfinished(old, moved, resume);
}

async function newerVersions(docker: Docker, name: string): Promise<Docker.Secret[]> {
  const base = /^(.*)-v\d+$/.exec(name)?.[1] ?? name;
  const versioned = new RegExp(`^${escapeRegExp(base)}-v\\d+$`);
  const all = await docker.listSecrets();
  return all.filter((secret) => secret.Spec?.Name !== name &&
    (secret.Spec?.Labels?.[REPLACES_LABEL] === name || versioned.test(secret.Spec?.Name ?? '')));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^$|()[\]{}\\]/g, '\\$&');
}

async function servicesOn(docker: Docker, secrets: Docker.Secret[]): Promise<Moved[]> {
  const moved: Moved[] = [];
  for (const service of await docker.listServices()) {
    const secret = secrets.find((candidate) =>
      secretsOf(service.Spec).some((ref) => ref.SecretID === candidate.ID));
    if (!secret) continue;
    const state = (service.UpdateStatus as { State?: string } | undefined)?.State || 'completed';
    moved.push({ service: describeService({ name: service.Spec?.Name ?? '?', id: service.ID }),
      secret: secret.Spec?.Name ?? secret.ID, state, incident: secret.Spec?.Labels?.[INCIDENT_LABEL] });
  }
  return moved;
}

function unfinished(old: SwarmSecretRef, moved: Moved[], resume: string): IrError {
  const where = moved.map((entry) => `service ${entry.service} mounts ${entry.secret}` +
    `${entry.incident ? ` (made for incident ${entry.incident})` : ''}, update ${entry.state}`).join('; ');
  return new IrError(`an earlier rotation of ${old.name} did not finish: ${where}; ` +
    `nothing was changed and ${old.name} was kept`, {
    code: 'SWARM_ROTATION_UNFINISHED',
    source: 'environment',
    hint: `finish that incident with ir resume <its incident dir>, or put each service back on ${old.name} ` +
      `(docker service rollback <service>), then ${resume}`,
  });
}
