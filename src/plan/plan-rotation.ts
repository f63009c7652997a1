/** The AWS side of a plan: where calls would go, as whom, and what each rotation would act on. */
import type Docker from 'dockerode';
import { firstLineOf, IrError } from '../errors.js';
import type { RotateSecretParams } from '../runbook/schema.js';
import { toIrError, type AwsCallContext } from '../secrets/aws-errors.js';
import { planRotation } from '../secrets/rotate.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import type { PlanFindings } from './plan-container-steps.js';
import type { AwsPlan, PlanProblem } from './plan-types.js';

/** Endpoint, region and STS caller identity; a failure is the plan's to show, not to throw. */
export async function planAws(api: SecretsApi): Promise<AwsPlan> {
  const unknown = (error: unknown) => `unknown (${firstLineOf(error)})`;
  const endpoint = await api.describeEndpoint().catch(unknown);
  const region = await api.region().catch(() => undefined);
  try {
    const identity = await api.callerIdentity();
    return { endpoint, region, identity };
  } catch (error) {
    return { endpoint, region, problem: problemOf(error, { operation: 'GetCallerIdentity' }) };
  }
}

export async function planRotate(
  params: RotateSecretParams, api: SecretsApi, info: Docker.ContainerInspectInfo | undefined,
): Promise<PlanFindings> {
  const { secretId, strategy, key, env } = params;
  const asked = { secretId, strategy, key, env };
  const supplied = 'the new value comes from --secret-value-file or a masked prompt';
  const notes = [
    ...(strategy === 'supply' ? [supplied] : []),
    ...envNotes(params.env, info),
  ];
  try {
    const rotation = await planRotation(api, params.secretId);
    const noLambda = strategy === 'lambda' && !rotation.rotationLambdaConfigured;
    const problems: PlanProblem[] = noLambda ? [{
      code: 'ROTATION_LAMBDA_MISSING',
      message: `secret "${params.secretId}" has no rotation function configured`,
      hint: "configure rotation on the secret, or use strategy 'generate' or 'supply'",
    }] : [];
    const { name, region, replicaRegion } = rotation;
    const replica = replicaRegion ? [`${name} in ${replicaRegion} is a read-only replica: it ` +
      `would be rotated in its primary region ${region}; the replicas follow`] : [];
    return { details: { ...asked, ...rotation }, notes: [...replica, ...notes], problems };
  } catch (error) {
    const problem = problemOf(error, { operation: 'DescribeSecret', secretId });
    return { details: asked, notes, problems: [problem] };
  }
}

function envNotes(env: string | undefined, info: Docker.ContainerInspectInfo | undefined) {
  if (!env || !info) return [];
  const names = (info.Config.Env ?? []).map((entry) => entry.split('=', 1)[0]);
  return names.includes(env) ? [] : [`the container has no variable ${env} in its environment`];
}

function problemOf(error: unknown, context: AwsCallContext): PlanProblem {
  const known = error instanceof IrError ? error : toIrError(error, context);
  return { code: known.code, message: known.message, ...(known.hint ? { hint: known.hint } : {}) };
}
