/**
 * A rotation `ir` carries out itself ('supply', 'generate'), in AWS's own
 * order: the new value is stored as AWSPENDING under our token, read back by
 * version id and compared, then AWSCURRENT is moved to it (AWS moves
 * AWSPREVIOUS along) and AWSPENDING is removed. A rerun with the same token
 * finds its version and carries on from where the first run stopped.
 */
import { IrError } from '../errors.js';
import { withAwsErrors } from './aws-errors.js';
import { buildSecretString, checkReplacement, hashOf, type NewValueRequest } from './new-value.js';
import type { SecretsApi } from './secrets-api.js';
import { CURRENT, PENDING, waitForStages, type VerifyTiming } from './stages.js';

/** One value-writing rotation: the request, the token and the version now current. */
export interface ValueRotation extends NewValueRequest {
  clientRequestToken: string;
  currentVersionId: string;
}

/** Stages (or, on a rerun, re-verifies) the new version, then promotes it. */
export async function rotateWithValue(
  api: SecretsApi, rotation: ValueRotation, alreadyStaged: boolean, timing: VerifyTiming,
): Promise<void> {
  const { secretId, clientRequestToken: token, currentVersionId } = rotation;
  const current = await readText(api, secretId, currentVersionId);
  if (alreadyStaged) await verifyStaged(api, rotation, current);
  else await stageValue(api, rotation, current);
  await withAwsErrors({ operation: 'UpdateSecretVersionStage', secretId }, () => api.updateSecretVersionStage({
    secretId, stage: CURRENT, moveToVersionId: token, removeFromVersionId: currentVersionId,
  }));
  await removePending(api, secretId, token);
  await waitForStages(api, secretId, { newVersionId: token, previousVersionId: currentVersionId,
    strategy: rotation.strategy }, timing);
}

/** Removes AWSPENDING from our version once it is current: a rotation of ours leaves none behind. */
export async function removePending(api: SecretsApi, secretId: string, versionId: string): Promise<void> {
  await withAwsErrors({ operation: 'UpdateSecretVersionStage', secretId },
    () => api.updateSecretVersionStage({ secretId, stage: PENDING, removeFromVersionId: versionId }));
}

/** Reads one version's text by its id; a binary secret is refused, since no strategy here writes one. */
export async function readText(api: SecretsApi, secretId: string, versionId: string): Promise<string> {
  const value = await withAwsErrors({ operation: 'GetSecretValue', secretId },
    () => api.getSecretValue(secretId, { versionId }));
  if (value.binary || value.secretString === undefined) {
    throw new IrError(`secret "${secretId}" holds a binary value (SecretBinary), which 'supply' and ` +
      "'generate' do not write", {
      code: 'SECRET_IS_BINARY',
      source: 'input',
      hint: "rotate it with its rotation function (strategy: lambda), or by hand with the provider's tools",
    });
  }
  return value.secretString;
}

async function stageValue(api: SecretsApi, rotation: ValueRotation, current: string): Promise<void> {
  const { secretId, clientRequestToken } = rotation;
  const secretString = await buildSecretString(api, rotation, current);
  await withAwsErrors({ operation: 'PutSecretValue', secretId }, () => api.putSecretValue({
    secretId, secretString, clientRequestToken, versionStages: [PENDING],
  }));
  const stored = await readText(api, secretId, clientRequestToken);
  if (hashOf(stored) !== hashOf(secretString)) {
    throw new IrError(`secret "${secretId}" version ${clientRequestToken} does not hold the value just stored ` +
      '(SHA-256 differs); AWSCURRENT was not moved', {
      code: 'ROTATION_READBACK_MISMATCH',
      source: 'environment',
      hint: 'another writer may be using the same token; ' +
        'inspect the secret with aws secretsmanager describe-secret',
    });
  }
}

/**
 * A version with our token is already AWSPENDING: an earlier run stored it.
 * A supplied value must be the same one (compared by hash); a generated one
 * cannot be regenerated, so it must at least be a proper replacement.
 */
async function verifyStaged(api: SecretsApi, rotation: ValueRotation, current: string): Promise<void> {
  const { secretId, clientRequestToken } = rotation;
  const stored = await readText(api, secretId, clientRequestToken);
  if (rotation.strategy === 'generate') return checkReplacement(rotation, current, stored);
  await checkSuppliedMatches(api, rotation, current, stored);
}

/**
 * A supplied value for a token that already has a version must be the one
 * stored there (compared by hash), whether that version is still AWSPENDING
 * or already AWSCURRENT: `previous` is the value it replaced.
 */
export async function checkSuppliedMatches(
  api: SecretsApi, rotation: NewValueRequest & { clientRequestToken: string },
  previous: string, stored: string,
): Promise<void> {
  const { secretId, clientRequestToken } = rotation;
  const intended = await buildSecretString(api, rotation, previous);
  if (hashOf(stored) === hashOf(intended)) return;
  throw new IrError(`secret "${secretId}" already has version ${clientRequestToken} from this incident, ` +
    'holding a different value than the one supplied now', {
    code: 'ROTATION_TOKEN_VALUE_DIFFERS',
    source: 'input',
    hint: 'supply the same new value as the first attempt, or clear the pending version and start a new incident',
  });
}
