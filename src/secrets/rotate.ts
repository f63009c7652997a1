/**
 * Rotates one secret in AWS Secrets Manager, idempotently per incident, and
 * verifies the result through the staging labels. Results carry version ids,
 * never values.
 */
import { IrError } from '../errors.js';
import { withAwsErrors } from './aws-errors.js';
import { buildSecretString } from './new-value.js';
import type { SecretDescription, SecretsApi } from './secrets-api.js';
import { CURRENT, PREVIOUS, notVerified, versionWith, waitForStages, type VerifyTiming } from './stages.js';

export { rotationToken } from './new-value.js';
export type { VerifyTiming } from './stages.js';

/** How the new value comes about: AWS generates it, the operator supplies it, or the secret's lambda rotates it. */
export type RotationStrategy = 'generate' | 'supply' | 'lambda';

/** What a rotation would act on; read-only. */
export interface RotationPlan {
  arn: string;
  name: string;
  /** The version labelled AWSCURRENT now. */
  currentVersionId: string;
  rotationLambdaConfigured: boolean;
}

/** One rotation. `key` applies to JSON secrets with 'generate' or 'supply'. */
export interface RotationRequest {
  secretId: string;
  strategy: RotationStrategy;
  /** The new value, for 'supply' only. */
  newValue?: string;
  /** Replace only this key of a JSON-object secret, keeping the others. */
  key?: string;
  /** 32–64 chars, stable per incident and secret: see rotationToken. */
  clientRequestToken: string;
}

/** What happened, by version id only. */
export interface RotationResult {
  arn: string;
  name: string;
  previousVersionId: string;
  newVersionId: string;
  strategy: RotationStrategy;
  /** True when an earlier run with the same token had already rotated the secret. */
  alreadyDone: boolean;
}

// A lambda rotation runs asynchronously after RotateSecret returns; a put is visible at once,
// give or take eventual consistency.
const DEFAULT_TIMING: Record<'put' | 'lambda', VerifyTiming> = {
  put: { timeoutMs: 10_000, intervalMs: 500 },
  lambda: { timeoutMs: 300_000, intervalMs: 3_000 },
};

/** Reads what a rotation of `secretId` would act on, changing nothing. */
export async function planRotation(api: SecretsApi, secretId: string): Promise<RotationPlan> {
  return toPlan(await describe(api, secretId), secretId);
}

/** Rotates the secret; a rerun with the same token reports `alreadyDone` instead of rotating again. */
export async function rotateSecret(
  api: SecretsApi,
  request: RotationRequest,
  timing?: Partial<VerifyTiming>,
): Promise<RotationResult> {
  checkRequest(request);
  const { secretId, clientRequestToken: token, strategy } = request;
  const description = await describe(api, secretId);
  const existing = description.versionIdsToStages[token];
  if (existing) return alreadyRotated(description, request, existing);

  const plan = toPlan(description, secretId);
  let newVersionId: string;
  if (strategy === 'lambda') {
    if (!plan.rotationLambdaConfigured) throw noLambda(secretId);
    newVersionId = await withAwsErrors({ operation: 'RotateSecret', secretId },
      () => api.rotateSecret(secretId, token));
  } else {
    const secretString = await buildSecretString(api, { ...request, strategy }, plan.currentVersionId);
    newVersionId = await withAwsErrors({ operation: 'PutSecretValue', secretId },
      () => api.putSecretValue({ secretId, secretString, clientRequestToken: token }));
  }
  const expected = { newVersionId, previousVersionId: plan.currentVersionId };
  const defaults = DEFAULT_TIMING[strategy === 'lambda' ? 'lambda' : 'put'];
  await waitForStages(api, secretId, { ...expected, strategy }, { ...defaults, ...timing });
  return { arn: plan.arn, name: plan.name, ...expected, strategy, alreadyDone: false };
}

function checkRequest(request: RotationRequest): void {
  const problem = (message: string, hint: string) =>
    new IrError(message, { code: 'ROTATION_REQUEST_INVALID', source: 'input', hint });
  const { length } = request.clientRequestToken;
  if (length < 32 || length > 64) {
    throw problem(`the rotation token for "${request.secretId}" is ${length} characters; AWS needs 32 to 64`,
      'derive it with rotationToken(incidentId, secretId)');
  }
  if (request.strategy !== 'supply' && request.newValue !== undefined) {
    throw problem(`a new value was given for "${request.secretId}" with strategy '${request.strategy}'`,
      "use strategy 'supply' to store a value you provide");
  }
  if (request.strategy === 'lambda' && request.key !== undefined) {
    throw problem(`'key' cannot be used with strategy 'lambda' ("${request.secretId}")`,
      'the rotation lambda decides the whole new value; remove key from the step');
  }
}

async function describe(api: SecretsApi, secretId: string): Promise<SecretDescription> {
  return withAwsErrors({ operation: 'DescribeSecret', secretId }, () => api.describeSecret(secretId));
}

function toPlan(description: SecretDescription, secretId: string): RotationPlan {
  const fail = (code: string, message: string, hint: string) =>
    new IrError(message, { code, source: 'environment', hint });
  if (description.deletedDate) {
    throw fail('SECRET_SCHEDULED_FOR_DELETION', `secret "${secretId}" is scheduled for deletion`,
      'restore it (aws secretsmanager restore-secret) or point the runbook at the live secret');
  }
  const currentVersionId = versionWith(description, CURRENT);
  if (!currentVersionId) {
    throw fail('SECRET_HAS_NO_VALUE', `secret "${secretId}" has no AWSCURRENT version to rotate`,
      'store an initial value first (aws secretsmanager put-secret-value)');
  }
  return {
    arn: description.arn,
    name: description.name,
    currentVersionId,
    rotationLambdaConfigured: description.rotationLambdaArn !== undefined,
  };
}

/** A version with our token exists: done if it is current, a conflict otherwise. */
function alreadyRotated(description: SecretDescription, request: RotationRequest, stages: string[]): RotationResult {
  const token = request.clientRequestToken;
  if (!stages.includes(CURRENT)) {
    const labels = stages.length > 0 ? stages.join(', ') : 'no labels';
    throw new IrError(`secret "${request.secretId}" already has version ${token} from this incident, ` +
      `but it is not AWSCURRENT (${labels})`, {
      code: 'ROTATION_TOKEN_NOT_CURRENT',
      source: 'environment',
      hint: 'the secret changed after this rotation, or a lambda rotation is still pending; ' +
        'inspect it with aws secretsmanager describe-secret',
    });
  }
  const previousVersionId = versionWith(description, PREVIOUS);
  if (!previousVersionId) {
    throw notVerified(request.secretId, description, { newVersionId: token, strategy: request.strategy });
  }
  return {
    arn: description.arn,
    name: description.name,
    previousVersionId,
    newVersionId: token,
    strategy: request.strategy,
    alreadyDone: true,
  };
}

function noLambda(secretId: string): IrError {
  // Checked first: moto, for one, "rotates" without a lambda by adding an empty AWSCURRENT version.
  return new IrError(`secret "${secretId}" has no rotation lambda configured`, {
    code: 'ROTATION_LAMBDA_MISSING',
    source: 'input',
    hint: "configure rotation on the secret, or use strategy 'generate' or 'supply'",
  });
}
