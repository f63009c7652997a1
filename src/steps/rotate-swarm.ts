/** The rotate-secret step on a Docker Swarm secret and the services that mount it. */
import type { RotateSecretParams } from '../runbook/schema.js';
import { generateLocalPassword } from '../secrets/local-password.js';
import { rotationToken } from '../secrets/new-value.js';
import { rotateSwarmSecret, type SwarmRotationResult } from '../secrets/swarm-rotate.js';
import { passwordOf } from './rotate-aws.js';
import type { StepContext, StepResult } from './step-context.js';

const DEFAULT_CONVERGE_S = 300;

export async function rotateSwarmSecretStep(params: RotateSecretParams, ctx: StepContext): Promise<StepResult> {
  const clientRequestToken = rotationToken(ctx.incidentId, `swarm:${params.secretId}`);
  await ctx.journal.recordRotation(params.secretId,
    { store: 'swarm', strategy: params.strategy, clientRequestToken });
  const result = await rotateSwarmSecret(ctx.docker, ctx.audit, {
    secretName: params.secretId,
    newValue: () => newValueFor(params, ctx),
    clientRequestToken,
    incidentId: ctx.incidentId,
    timeoutMs: (params.timeout ?? DEFAULT_CONVERGE_S) * 1000,
    resumeCommand: `ir resume ${ctx.incidentDir}`,
  });
  await ctx.audit.append('docker.secret.rotate', 'succeeded', { ...result, strategy: params.strategy });
  return {
    summary: `${result.oldSecret.name} → ${result.newSecret.name} in ${describeServices(result)}; ` +
      'old secret removed',
    details: { secret: result },
    warnings: result.services.length === 0 ? [`no service mounted ${result.oldSecret.name}`] : [],
    followUps: followUpsOf(params, result),
  };
}

async function newValueFor(params: RotateSecretParams, ctx: StepContext): Promise<string> {
  if (params.strategy === 'supply') return ctx.suppliedSecret(params.secretId);
  const value = generateLocalPassword(passwordOf(params));
  ctx.redactor.add(value);
  return value;
}

function describeServices(result: SwarmRotationResult): string {
  return result.services.length === 0 ? 'no service' : `service ${result.services.join(', ')}`;
}

function followUpsOf(params: RotateSecretParams, result: SwarmRotationResult): string[] {
  // Docker never returns a secret's data: a generated value is known to the services alone.
  const revoke = params.strategy === 'supply'
    ? `revoke the old credential of ${result.oldSecret.name} at its provider`
    : `the value of ${result.newSecret.name} is known only to the services that mount it; if anything ` +
      'else checks it (a database, an API), rotate again with strategy supply and set the same value there';
  return [revoke, `update stack or compose files that name ${result.oldSecret.name} to ${result.newSecret.name}`];
}
