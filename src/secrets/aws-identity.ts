/** Whom the Secrets Manager calls run as, and where they go: for the audit trail. */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
// Static, not import(): the bundler cannot see a CommonJS package's named exports through import().
// This module itself loads only when a step first needs AWS.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/** Who AWS says the Secrets Manager calls run as (STS GetCallerIdentity). */
export interface CallerIdentity {
  arn: string;
  account?: string;
  userId?: string;
}

/** The text `describeEndpoint` gives when the SDK uses AWS's own endpoint. */
export const DEFAULT_ENDPOINT = 'default AWS endpoint';

/**
 * Asks STS with the Secrets Manager client's own credential provider and
 * region, so the ARN is the one its calls really run as. STS's endpoint comes
 * from AWS_ENDPOINT_URL(_STS) as usual.
 */
export async function callerIdentity(client: SecretsManagerClient): Promise<CallerIdentity> {
  const sts = new STSClient({
    region: await client.config.region(),
    credentials: client.config.credentials,
    maxAttempts: 2,
    // Asked only for the record: a silent endpoint must not hold up the rotation for long.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new Error('GetCallerIdentity returned no ARN');
    return { arn: out.Arn, account: out.Account, userId: out.UserId };
  } finally {
    sts.destroy();
  }
}

/** The endpoint the SDK was configured with, if any. */
export async function configuredEndpoint(client: SecretsManagerClient): Promise<string | undefined> {
  // The SDK's own resolver (env, then shared config, honouring AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
  // it is typed @internal, so should it vanish we fall back to the documented variables.
  const resolve = client.config.serviceConfiguredEndpoint;
  if (resolve) return (await resolve()) || undefined;
  return process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER || process.env.AWS_ENDPOINT_URL || undefined;
}
