/**
 * The rotate-secret step on AWS Secrets Manager: the token goes into the
 * journal first, then the rotation runs, then its record.
 */
import type { RotateSecretParams } from '../runbook/schema.js';
import { withResumeHint } from '../secrets/aws-errors.js';
import {
  rotateSecret, rotationToken, type RotationRequest, type RotationResult,
} from '../secrets/rotate.js';
import { DEFAULT_PASSWORD } from '../secrets/new-value.js';
import type { PasswordConstraints, SecretsApi } from '../secrets/secrets-api.js';
import type { StepContext, StepResult } from './step-context.js';

export async function rotateAwsSecret(params: RotateSecretParams, ctx: StepContext): Promise<StepResult> {
  const newValue = params.strategy === 'supply' ? await ctx.suppliedSecret(params.secretId) : undefined;
  const clientRequestToken = rotationToken(ctx.incidentId, params.secretId);
  await ctx.journal.recordRotation(params.secretId,
    { store: 'aws', strategy: params.strategy, clientRequestToken });
  const api = await ctx.secrets();
  const result = await rotateSecret(api, requestOf(params, ctx, newValue, clientRequestToken))
    .catch((error: unknown) => {
      throw withResumeHint(error, ctx.incidentDir);
    });
  await ctx.audit.append('aws.secretsmanager.rotate', 'succeeded', { ...result, ...(await whereAndWho(api)) });
  return {
    summary: summaryOf(result),
    details: { secret: result },
    warnings: warningsOf(result),
    followUps: followUpsOf(params, result),
  };
}

function requestOf(
  params: RotateSecretParams, ctx: StepContext, newValue: string | undefined,
  clientRequestToken: string,
): RotationRequest {
  return {
    secretId: params.secretId,
    strategy: params.strategy,
    newValue,
    key: params.key,
    clientRequestToken,
    password: params.strategy === 'generate' ? passwordOf(params) : undefined,
    lambdaTimeoutSeconds: params.timeout,
    clearStalePending: params.clearStalePending || ctx.clearStalePending === true,
  };
}

/** GetRandomPassword's constraints from the step. */
export function passwordOf(params: RotateSecretParams): PasswordConstraints {
  return { length: params.length ?? DEFAULT_PASSWORD.length, excludeCharacters: params.excludeCharacters,
    excludePunctuation: params.punctuation !== true };
}

/** The endpoint and the ARN the calls ran as, for the rotation's own record. */
async function whereAndWho(api: SecretsApi): Promise<{ endpoint: string; callerArn: string }> {
  const endpoint = await api.describeEndpoint().catch(() => 'unknown');
  const callerArn = await api.callerIdentity().then((identity) => identity.arn, () => 'unknown');
  return { endpoint, callerArn };
}

function summaryOf(result: RotationResult): string {
  if (result.alreadyDone) return `already rotated in this incident: AWSCURRENT is ${result.newVersionId}`;
  const how = result.resumed ? ' (finished a rotation this incident had started)' : '';
  return `AWSCURRENT ${result.previousVersionId} → ${result.newVersionId}, old version now AWSPREVIOUS${how}`;
}

function warningsOf(result: RotationResult): string[] {
  const warnings: string[] = [];
  if (result.replicaRegion) {
    warnings.push(`${result.name} in ${result.replicaRegion} is a read-only replica: rotated in its primary ` +
      `region ${result.region}; the replicas follow`);
  }
  if (result.clearedStalePending) {
    warnings.push(`cleared a stale AWSPENDING from version ${result.clearedStalePending}, as asked`);
  }
  return warnings;
}

function followUpsOf(params: RotateSecretParams, result: RotationResult): string[] {
  const feeds = params.env ? ` (they read it as ${params.env})` : '';
  const revoke = params.strategy === 'lambda'
    ? `check that the rotation function of ${result.name} revoked the old credential ` +
      `(version ${result.previousVersionId})`
    : `revoke the old credential of ${result.name} at its provider: version ${result.previousVersionId} ` +
      'still holds it as AWSPREVIOUS';
  return [revoke, `redeploy the consumers of ${result.name}${feeds} so they read the new value`];
}
