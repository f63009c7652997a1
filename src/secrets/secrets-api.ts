/**
 * The few Secrets Manager calls `ir` makes, behind an interface so tests can
 * stand in for the failures a local emulator cannot produce. Methods throw the SDK's
 * errors unchanged; aws-errors.ts turns them into IrErrors with the secret id.
 */
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** What DescribeSecret tells us; never a value. */
export interface SecretDescription {
  arn: string;
  name: string;
  /** Set when a rotation lambda is configured on the secret. */
  rotationLambdaArn?: string;
  /** Set when the secret is scheduled for deletion. */
  deletedDate?: Date;
  /** Version id to its staging labels (AWSCURRENT, AWSPREVIOUS, AWSPENDING, custom). */
  versionIdsToStages: Record<string, string[]>;
}

/** Who AWS says the Secrets Manager calls run as (STS GetCallerIdentity). */
export interface CallerIdentity {
  arn: string;
  account?: string;
  userId?: string;
}

/** A new secret value to store under an idempotency token. */
export interface PutSecretValueRequest {
  secretId: string;
  secretString: string;
  clientRequestToken: string;
}

/** Only the Secrets Manager calls secret rotation needs. */
export interface SecretsApi {
  describeSecret(secretId: string): Promise<SecretDescription>;
  /** GetSecretValue of one version; used only to replace a single key of a JSON secret. */
  getSecretString(secretId: string, versionId: string): Promise<string | undefined>;
  /** PutSecretValue; resolves to the new version id (AWS uses the token as the id). */
  putSecretValue(request: PutSecretValueRequest): Promise<string>;
  /** GetRandomPassword of `length` letters and digits. */
  getRandomPassword(length: number): Promise<string>;
  /** RotateSecret with the configured lambda; resolves to the new version id. */
  rotateSecret(secretId: string, clientRequestToken: string): Promise<string>;
  /** "default AWS endpoint" or the endpoint URL in use, for the incident record. */
  describeEndpoint(): Promise<string>;
  /** STS GetCallerIdentity with the same credentials and region as the Secrets Manager calls. */
  callerIdentity(): Promise<CallerIdentity>;
  /** The region the calls go to; rejects as the SDK does when none is configured. */
  describeRegion?(): Promise<string>;
}

/** Overrides for the SDK's defaults (credential chain, region, endpoint). */
export interface SecretsApiOptions {
  region?: string;
  /** Explicit endpoint URL; otherwise AWS_ENDPOINT_URL(_SECRETS_MANAGER) or the config file. */
  endpoint?: string;
  maxAttempts?: number;
  /** Give up on a silent endpoint after this long (a plan must not hang on an unreachable AWS). */
  timeouts?: { connectionMs: number; requestMs: number };
}

/** The text `describeEndpoint` gives when the SDK uses AWS's own endpoint. */
export const DEFAULT_ENDPOINT = 'default AWS endpoint';

/** A SecretsApi on the SDK's default credential chain, region and configured endpoint. */
export function createSecretsApi(options: SecretsApiOptions = {}): SecretsApi {
  const client = new SecretsManagerClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts,
    ...(options.timeouts ? {
      requestHandler: {
        connectionTimeout: options.timeouts.connectionMs,
        requestTimeout: options.timeouts.requestMs,
      },
    } : {}),
  });
  return {
    async describeSecret(secretId) {
      const out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return {
        arn: out.ARN ?? secretId,
        name: out.Name ?? secretId,
        rotationLambdaArn: out.RotationLambdaARN || undefined,
        deletedDate: out.DeletedDate,
        versionIdsToStages: out.VersionIdsToStages ?? {},
      };
    },
    async getSecretString(secretId, versionId) {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }));
      return out.SecretString;
    },
    async putSecretValue(request) {
      const out = await client.send(new PutSecretValueCommand({
        SecretId: request.secretId,
        SecretString: request.secretString,
        ClientRequestToken: request.clientRequestToken,
      }));
      return out.VersionId ?? request.clientRequestToken;
    },
    async getRandomPassword(length) {
      const out = await client.send(new GetRandomPasswordCommand({
        PasswordLength: length,
        ExcludePunctuation: true,
        RequireEachIncludedType: true,
      }));
      if (!out.RandomPassword) throw new Error('GetRandomPassword returned no password');
      return out.RandomPassword;
    },
    async rotateSecret(secretId, clientRequestToken) {
      const out = await client.send(new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: clientRequestToken,
      }));
      return out.VersionId ?? clientRequestToken;
    },
    describeEndpoint: async () => options.endpoint ?? (await configuredEndpoint(client)) ?? DEFAULT_ENDPOINT,
    callerIdentity: () => callerIdentity(client),
    describeRegion: () => client.config.region(),
  };
}

/**
 * Asks STS with the Secrets Manager client's own credential provider and
 * region, so the ARN is the one its calls really run as. The STS client loads
 * only here; STS's endpoint comes from AWS_ENDPOINT_URL(_STS) as usual.
 */
async function callerIdentity(client: SecretsManagerClient): Promise<CallerIdentity> {
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({
    region: await client.config.region(),
    credentials: client.config.credentials,
    maxAttempts: 2,
    // Asked only for the record: a silent endpoint must not hold up the rotation for long.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000 },
  });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new Error('GetCallerIdentity returned no ARN');
    return { arn: out.Arn, account: out.Account, userId: out.UserId };
  } finally {
    sts.destroy();
  }
}

async function configuredEndpoint(client: SecretsManagerClient): Promise<string | undefined> {
  // The SDK's own resolver (env, then shared config, honouring AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
  // it is typed @internal, so should it vanish we fall back to the documented variables.
  const resolve = client.config.serviceConfiguredEndpoint;
  if (resolve) return (await resolve()) || undefined;
  return process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER || process.env.AWS_ENDPOINT_URL || undefined;
}
