/**
 * Verification by staging labels: a rotation counts only once DescribeSecret
 * shows AWSCURRENT on the new version and AWSPREVIOUS on the old one.
 */
import { IrError } from '../errors.js';
import { withAwsErrors } from './aws-errors.js';
import type { SecretDescription, SecretsApi } from './secrets-api.js';

export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';
export const PENDING = 'AWSPENDING';

/** How long to wait for the staging labels to show the rotation. */
export interface VerifyTiming {
  timeoutMs: number;
  intervalMs: number;
}

/** The labels a finished rotation must show. */
export interface ExpectedStages {
  newVersionId: string;
  previousVersionId: string;
  strategy: 'generate' | 'supply' | 'lambda';
}

/** The version carrying `stage`, if any. */
export function versionWith(description: SecretDescription, stage: string): string | undefined {
  const entry = Object.entries(description.versionIdsToStages).find(([, stages]) => stages.includes(stage));
  return entry?.[0];
}

/**
 * Polls DescribeSecret until AWSCURRENT is the new version and AWSPREVIOUS the
 * old one, and, for a rotation of ours, AWSPENDING is gone from the new one (a
 * rotation function may leave it there beside AWSCURRENT, which AWS allows).
 */
export async function waitForStages(
  api: SecretsApi,
  secretId: string,
  expected: ExpectedStages,
  timing: VerifyTiming,
): Promise<void> {
  const deadline = Date.now() + timing.timeoutMs;
  for (;;) {
    const description = await withAwsErrors({ operation: 'DescribeSecret', secretId },
      () => api.describeSecret(secretId));
    const current = versionWith(description, CURRENT);
    const previous = versionWith(description, PREVIOUS);
    const pendingLeft = expected.strategy !== 'lambda' &&
      (description.versionIdsToStages[expected.newVersionId] ?? []).includes(PENDING);
    if (current === expected.newVersionId && previous === expected.previousVersionId && !pendingLeft) return;
    if (Date.now() + timing.intervalMs > deadline) {
      throw notVerified(secretId, description, expected);
    }
    await new Promise((resolve) => setTimeout(resolve, timing.intervalMs));
  }
}

/** The ROTATION_NOT_VERIFIED error, naming the versions found and expected. */
export function notVerified(
  secretId: string,
  description: SecretDescription,
  expected: Omit<ExpectedStages, 'previousVersionId'> & { previousVersionId?: string },
): IrError {
  const current = versionWith(description, CURRENT) ?? 'none';
  const previous = versionWith(description, PREVIOUS) ?? 'none';
  return new IrError(`rotation of secret "${secretId}" not verified: AWSCURRENT is ${current} and AWSPREVIOUS is ` +
    `${previous}, expected ${expected.newVersionId} and ${expected.previousVersionId ?? 'an earlier version'}`, {
    code: 'ROTATION_NOT_VERIFIED',
    source: 'environment',
    hint: expected.strategy === 'lambda'
      ? "check the rotation lambda's CloudWatch logs; the secret may still be mid-rotation (AWSPENDING)"
      : 'inspect the secret with aws secretsmanager describe-secret; another writer may have changed it',
  });
}
