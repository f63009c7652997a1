/**
 * A rotation left half-done: AWSPENDING on a version other than AWSCURRENT
 * (a rotation function that failed, or a run that died between staging and
 * promoting). Acting over it would race whoever owns it, so `ir` stops and
 * says what the choices are, unless the operator chose to clear the label.
 */
import { IrError } from '../errors.js';
import { withAwsErrors } from './aws-errors.js';
import type { SecretDescription, SecretsApi } from './secrets-api.js';
import { CURRENT, PENDING, versionWith } from './stages.js';

/** The version carrying a stale AWSPENDING, if any; our own token's version is not stale. */
export function stalePendingVersion(description: SecretDescription, token: string): string | undefined {
  const pending = versionWith(description, PENDING);
  if (!pending || pending === token || pending === versionWith(description, CURRENT)) return undefined;
  return pending;
}

/**
 * Stops at a half-done rotation, or, when `clear` is set, removes the stale
 * label (an audited UpdateSecretVersionStage) and returns the version it was on.
 */
export async function settleStalePending(
  api: SecretsApi, description: SecretDescription, secretId: string, token: string, clear: boolean,
): Promise<string | undefined> {
  const stale = stalePendingVersion(description, token);
  if (!stale) return undefined;
  if (!clear) throw halfDone(secretId, stale, description);
  await withAwsErrors({ operation: 'UpdateSecretVersionStage', secretId },
    () => api.updateSecretVersionStage({ secretId, stage: PENDING, removeFromVersionId: stale }));
  return stale;
}

function halfDone(secretId: string, stale: string, description: SecretDescription): IrError {
  const current = versionWith(description, CURRENT) ?? 'none';
  const retry = description.rotationLambdaArn
    ? `let its rotation function retry (aws secretsmanager rotate-secret --secret-id ${secretId})`
    : 'finish that rotation by hand';
  return new IrError(`secret "${secretId}" has a rotation left half-done: AWSPENDING is on version ${stale}, ` +
    `AWSCURRENT on ${current}; nothing was changed`, {
    code: 'ROTATION_HALF_DONE',
    source: 'environment',
    hint: `either ${retry}, or clear the stale label and continue: rerun with --clear-stale-pending ` +
      '(or clearStalePending: true on the step); the clearing is audited',
  });
}
