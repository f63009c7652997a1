/**
 * Replica secrets are read-only: AWS refuses every change outside the
 * primary's region. A runbook whose region holds a replica is followed to the
 * primary, and the result says so.
 */
import { withAwsErrors } from './aws-errors.js';
import type { SecretDescription, SecretsApi } from './secrets-api.js';

/** The secret as its primary region sees it, and an API that acts there. */
export interface PrimarySecret {
  api: SecretsApi;
  description: SecretDescription;
  region: string;
  /** The region first asked, when it held a replica. */
  replicaRegion?: string;
}

export async function findPrimary(api: SecretsApi, secretId: string): Promise<PrimarySecret> {
  const description = await describe(api, secretId);
  const region = await api.region();
  const primaryRegion = description.primaryRegion;
  if (!primaryRegion || primaryRegion === region) return { api, description, region };
  const primaryApi = api.inRegion(primaryRegion);
  // By name: the ARN DescribeSecret gave names the replica's region.
  return { api: primaryApi, description: await describe(primaryApi, description.name), region: primaryRegion,
    replicaRegion: region };
}

function describe(api: SecretsApi, secretId: string): Promise<SecretDescription> {
  return withAwsErrors({ operation: 'DescribeSecret', secretId }, () => api.describeSecret(secretId));
}
