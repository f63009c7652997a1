/**
 * Rotates one secret in AWS Secrets Manager, idempotently per incident, and
 * verifies the result through the staging labels. Results carry version ids,
 * never values.
 */
import { IrError } from '../errors.js';
import { withAwsErrors } from './aws-errors.js';
import { settleStalePending } from './half-done.js';
import { checkSuppliedMatches, readText, removePending, rotateWithValue } from './put-rotation.js';
import type { PasswordConstraints, SecretDescription, SecretsApi } from './secrets-api.js';
import { DEFAULT_PASSWORD } from './new-value.js';
import { checkPasswordConstraints } from './password-classes.js';
import { findPrimary, type PrimarySecret } from './primary-region.js';
import {
  CURRENT, PENDING, PREVIOUS, notVerified, versionWith, waitForStages, type VerifyTiming,
} from './stages.js';

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
  /** GetRandomPassword's constraints, for 'generate'. */
  password?: PasswordConstraints;
  /** How long a lambda rotation may take before it counts as not verified. */
  lambdaTimeoutSeconds?: number;
  /** Remove an AWSPENDING label left by another, unfinished rotation, and go on. */
  clearStalePending?: boolean;
}

/** What happened, by version id only. */
export interface RotationResult {
  arn: string;
  name: string;
  /** The region acted in: the primary's, even when the runbook's region holds a replica. */
  region: string;
  /** Set when the secret asked for was a read-only replica in this region. */
  replicaRegion?: string;
  previousVersionId: string;
  newVersionId: string;
  strategy: RotationStrategy;
  /** True when an earlier run with the same token had already rotated the secret. */
  alreadyDone: boolean;
  /** True when an earlier run had started this rotation and this one finished it. */
  resumed: boolean;
  /** The version a stale AWSPENDING was cleared from, at the operator's request. */
  clearedStalePending?: string;
}

// A lambda rotation runs asynchronously after RotateSecret returns; label moves are visible at once,
// give or take eventual consistency.
const PUT_TIMING: VerifyTiming = { timeoutMs: 10_000, intervalMs: 500 };
const LAMBDA_INTERVAL_MS = 3_000;
const DEFAULT_LAMBDA_TIMEOUT_S = 300;

/** Where a rotation would act: the primary's region, and the replica's the runbook named. */
export type RotationWhere = Pick<RotationResult, 'region' | 'replicaRegion'>;

/** Reads what a rotation of `secretId` would act on, changing nothing. */
export async function planRotation(
  api: SecretsApi, secretId: string,
): Promise<RotationPlan & RotationWhere> {
  const { description, region, replicaRegion } = await findPrimary(api, secretId);
  return { ...toPlan(description, secretId), region, ...(replicaRegion ? { replicaRegion } : {}) };
}

/** Rotates the secret; a rerun with the same token finishes or confirms the first run's version. */
export async function rotateSecret(
  api: SecretsApi,
  request: RotationRequest,
  timing?: Partial<VerifyTiming>,
): Promise<RotationResult> {
  checkRequest(request);
  const { secretId, clientRequestToken: token } = request;
  const primary = await findPrimary(api, secretId);
  const plan = toPlan(primary.description, secretId);
  const { region, replicaRegion } = primary;
  const where = { region, ...(replicaRegion ? { replicaRegion } : {}) };
  const ours = primary.description.versionIdsToStages[token];
  if (ours?.includes(CURRENT)) {
    return { ...where, ...(await confirmDone(primary.api, primary.description, request)) };
  }
  if (ours && !ours.includes(PENDING)) throw tokenNotCurrent(secretId, token, ours);
  return { ...where, ...(await carryOut(primary, plan, request, ours !== undefined, timing)) };
}

/** Settles a stale AWSPENDING, then rotates (or finishes our own started rotation). */
async function carryOut(
  primary: PrimarySecret, plan: RotationPlan, request: RotationRequest, started: boolean,
  timing: Partial<VerifyTiming> | undefined,
): Promise<Omit<RotationResult, 'region' | 'replicaRegion'>> {
  const { secretId, clientRequestToken: token, strategy } = request;
  const { api, description } = primary;
  const clear = request.clearStalePending === true;
  const cleared = await settleStalePending(api, description, secretId, token, clear);
  const newVersionId = strategy === 'lambda'
    ? await rotateWithLambda(api, request, plan, started, lambdaTiming(request, timing))
    : await rotateWithValue(api, { ...request, strategy, currentVersionId: plan.currentVersionId }, started,
      { ...PUT_TIMING, ...timing }).then(() => token);
  return {
    arn: plan.arn, name: plan.name, previousVersionId: plan.currentVersionId, newVersionId, strategy,
    alreadyDone: false, resumed: started, ...(cleared ? { clearedStalePending: cleared } : {}),
  };
}

function lambdaTiming(request: RotationRequest, timing: Partial<VerifyTiming> | undefined): VerifyTiming {
  const timeoutMs = (request.lambdaTimeoutSeconds ?? DEFAULT_LAMBDA_TIMEOUT_S) * 1000;
  return { timeoutMs, intervalMs: LAMBDA_INTERVAL_MS, ...timing };
}

/** RotateSecret (unless our own rotation is already pending), then wait for the labels to move. */
async function rotateWithLambda(
  api: SecretsApi, request: RotationRequest, plan: RotationPlan, alreadyStarted: boolean, timing: VerifyTiming,
): Promise<string> {
  const { secretId, clientRequestToken: token } = request;
  if (!plan.rotationLambdaConfigured) throw noLambda(secretId);
  // AWS refuses RotateSecret while a rotation is pending; ours is retried by AWS itself.
  const newVersionId = alreadyStarted ? token : await withAwsErrors({ operation: 'RotateSecret', secretId },
    () => api.rotateSecret(secretId, token));
  const expected = { newVersionId, previousVersionId: plan.currentVersionId, strategy: 'lambda' as const };
  await waitForStages(api, secretId, expected, timing);
  return newVersionId;
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
  if (request.strategy === 'generate') {
    checkPasswordConstraints(request.secretId, request.password ?? DEFAULT_PASSWORD);
  }
  if (request.strategy === 'lambda' && request.key !== undefined) {
    throw problem(`'key' cannot be used with strategy 'lambda' ("${request.secretId}")`,
      'the rotation lambda decides the whole new value; remove key from the step');
  }
}

/** The ROTATION_TOKEN_NOT_CURRENT error: our version exists but something moved on since. */
function tokenNotCurrent(secretId: string, token: string, stages: string[]): IrError {
  const labels = stages.length > 0 ? stages.join(', ') : 'no labels';
  return new IrError(`secret "${secretId}" already has version ${token} from this incident, ` +
    `but it is not AWSCURRENT (${labels})`, {
    code: 'ROTATION_TOKEN_NOT_CURRENT',
    source: 'environment',
    hint: 'the secret changed after this rotation; inspect it with aws secretsmanager describe-secret',
  });
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

/** Our version is AWSCURRENT: done, once a leftover AWSPENDING of ours is removed. */
async function confirmDone(
  api: SecretsApi, description: SecretDescription, request: RotationRequest,
): Promise<Omit<RotationResult, 'region' | 'replicaRegion'>> {
  const token = request.clientRequestToken;
  const previousVersionId = versionWith(description, PREVIOUS);
  if (!previousVersionId) {
    throw notVerified(request.secretId, description, { newVersionId: token, strategy: request.strategy });
  }
  if (request.strategy === 'supply') await checkSuppliedAgain(api, request, previousVersionId);
  const pendingLeft = description.versionIdsToStages[token]!.includes(PENDING);
  const resumed = pendingLeft && request.strategy !== 'lambda';
  if (resumed) await removePending(api, request.secretId, token);
  return {
    arn: description.arn, name: description.name, previousVersionId, newVersionId: token,
    strategy: request.strategy, alreadyDone: true, resumed,
  };
}

/** Our version is current already: the value supplied now must still be the one it holds. */
async function checkSuppliedAgain(
  api: SecretsApi, request: RotationRequest, previousVersionId: string,
): Promise<void> {
  const { secretId, clientRequestToken } = request;
  const stored = await readText(api, secretId, clientRequestToken);
  const previous = await readText(api, secretId, previousVersionId);
  await checkSuppliedMatches(api, { ...request, strategy: 'supply' }, previous, stored);
}

function noLambda(secretId: string): IrError {
  // Checked first: moto, for one, "rotates" without a lambda by adding an empty AWSCURRENT version.
  return new IrError(`secret "${secretId}" has no rotation lambda configured`, {
    code: 'ROTATION_LAMBDA_MISSING',
    source: 'input',
    hint: "configure rotation on the secret, or use strategy 'generate' or 'supply'",
  });
}
