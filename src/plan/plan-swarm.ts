/** A Swarm secret rotation's plan: the secret by id and the services that mount it, read-only. */
import type Docker from 'dockerode';
import { toDockerError } from '../docker/docker-errors.js';
import type { RotateSecretParams } from '../runbook/schema.js';
import { findSecretByName, requireSwarmManager, secretsOf } from '../secrets/swarm-secrets.js';
import type { PlanFindings } from './plan-container-steps.js';

export async function planSwarmRotate(
  params: RotateSecretParams, docker: Docker,
): Promise<PlanFindings> {
  const { secretId, strategy, env } = params;
  const asked = { store: 'swarm', secretId, strategy, env };
  try {
    await requireSwarmManager(docker);
    const secret = await findSecretByName(docker, params.secretId);
    if (!secret) {
      const problem = {
        code: 'SWARM_SECRET_NOT_FOUND',
        message: `the swarm has no secret named ${params.secretId}`,
        hint: "check the runbook's secretId against docker secret ls",
      };
      return { details: asked, notes: [], problems: [problem] };
    }
    const services = (await docker.listServices())
      .filter((service) => secretsOf(service.Spec).some((ref) => ref.SecretID === secret.id))
      .map((service) => service.Spec?.Name ?? service.ID);
    const unused = 'no service mounts it: only the secret would be replaced';
    const notes = services.length === 0 ? [unused] : [];
    return { details: { ...asked, swarmSecretId: secret.id, services }, notes, problems: [] };
  } catch (error) {
    const known = toDockerError(error);
    const problem = { code: known.code, message: known.message, hint: known.hint };
    return { details: asked, notes: [], problems: [problem] };
  }
}
