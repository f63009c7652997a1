/**
 * The Docker Swarm calls a secret rotation makes: finding secrets and the
 * services that mount them, creating and removing secrets, and switching a
 * service to a new secret in one update. The engine never returns a secret's
 * data, and none is ever recorded.
 */
import type Docker from 'dockerode';
import type { AuditTrail } from '../audit/audit-trail.js';
import { auditedCall } from '../audit/audited-call.js';
import { dockerStatus } from '../docker/connect-docker.js';
import { IrError } from '../errors.js';

/** Labels `ir` puts on the secret it creates, so a rerun finds it again. */
export const TOKEN_LABEL = 'ir.rotation-token';
export const REPLACES_LABEL = 'ir.replaces';
export const INCIDENT_LABEL = 'ir.incident';

/** A secret by id and name; never its data. */
export interface SwarmSecretRef {
  id: string;
  name: string;
}

/** Refuses to act unless this engine is a manager of an active swarm. */
export async function requireSwarmManager(docker: Docker): Promise<void> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  if (info.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable) return;
  const state = info.Swarm?.LocalNodeState ?? 'unknown';
  throw new IrError(`this Docker engine is not a swarm manager (swarm ${state})`, {
    code: 'SWARM_NOT_MANAGER',
    source: 'environment',
    hint: "point DOCKER_HOST at a manager of the swarm that holds the secret, or use store 'aws'",
  });
}

/** The secret with exactly this name (the engine's name filter also matches prefixes). */
export async function findSecretByName(docker: Docker, name: string): Promise<SwarmSecretRef | undefined> {
  const found = await docker.listSecrets({ filters: JSON.stringify({ name: [name] }) });
  const secret = found.find((candidate) => candidate.Spec?.Name === name);
  return secret ? { id: secret.ID, name } : undefined;
}

/** The secret `ir` created under this rotation token, and the name it replaces. */
export async function findOurSecret(
  docker: Docker, token: string,
): Promise<(SwarmSecretRef & { replaces: string }) | undefined> {
  const found = await docker.listSecrets({ filters: JSON.stringify({ label: [`${TOKEN_LABEL}=${token}`] }) });
  const secret = found[0];
  if (!secret?.Spec?.Name) return undefined;
  return { id: secret.ID, name: secret.Spec.Name, replaces: secret.Spec.Labels?.[REPLACES_LABEL] ?? '' };
}

/** Creates the new secret (data never recorded), labelled so a rerun finds it. */
export async function createSwarmSecret(
  docker: Docker, audit: AuditTrail, name: string, value: string, labels: Record<string, string>,
): Promise<SwarmSecretRef> {
  const created = await auditedCall(audit, 'docker.secret.create', { name, labels },
    () => docker.createSecret({ Name: name, Labels: labels, Data: Buffer.from(value).toString('base64') }),
    { after: (secret: { id: string }) => ({ id: secret.id }) });
  return { id: created.id, name };
}

/** A free name with a version suffix: groq_api_key → groq_api_key-v2, groq_api_key-v2 → groq_api_key-v3. */
export async function nextSecretName(docker: Docker, oldName: string): Promise<string> {
  const match = /^(.*)-v(\d+)$/.exec(oldName);
  const base = match ? match[1]! : oldName;
  for (let version = match ? Number(match[2]) + 1 : 2; ; version += 1) {
    const name = `${base}-v${version}`;
    if (!(await findSecretByName(docker, name))) return name;
  }
}

/** Removes the old secret; one already gone is fine. */
export async function removeSwarmSecret(docker: Docker, audit: AuditTrail, secret: SwarmSecretRef): Promise<void> {
  await auditedCall(audit, 'docker.secret.remove', { id: secret.id, name: secret.name }, async () => {
    try {
      await docker.getSecret(secret.id).remove();
    } catch (error) {
      if (dockerStatus(error) !== 404) throw error;
    }
  });
}

/** The services whose task template mounts the secret. */
export async function servicesUsing(docker: Docker, secretId: string): Promise<Docker.Service[]> {
  const services = await docker.listServices();
  return services.filter((service) => secretsOf(service.Spec).some((ref) => ref.SecretID === secretId))
    .map((service) => docker.getService(service.ID));
}

export function secretsOf(spec: Docker.ServiceSpec | undefined): Docker.SecretReference[] {
  return spec?.TaskTemplate && 'ContainerSpec' in spec.TaskTemplate
    ? spec.TaskTemplate.ContainerSpec?.Secrets ?? []
    : [];
}

/** One service update that swaps the old secret for the new one, at the same target path and mode. */
export async function switchService(
  audit: AuditTrail, service: Docker.Service, from: SwarmSecretRef, to: SwarmSecretRef,
  /** The service as just inspected, if the caller has it: saves asking again. */
  inspected?: { ID: string; Spec: Docker.ServiceSpec; Version: { Index: number } },
): Promise<void> {
  const info = inspected ?? (await service.inspect());
  const spec = structuredClone(info.Spec) as Docker.ServiceSpec;
  const container = (spec.TaskTemplate as { ContainerSpec: { Secrets?: Docker.SecretReference[] } }).ContainerSpec;
  container.Secrets = (container.Secrets ?? []).map((ref) =>
    (ref.SecretID === from.id ? { ...ref, SecretID: to.id, SecretName: to.name } : ref));
  await auditedCall(audit, 'docker.service.update',
    { service: info.ID, name: spec.Name, secret: { from: from.name, to: to.name } },
    () => service.update({ _query: { version: info.Version.Index }, _body: spec }));
}
