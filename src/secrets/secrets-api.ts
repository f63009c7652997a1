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
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { callerIdentity, configuredEndpoint, DEFAULT_ENDPOINT, type CallerIdentity } from './aws-identity.js';

export { DEFAULT_ENDPOINT, type CallerIdentity } from './aws-identity.js';

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
  /** The region of the primary secret; on a replica it differs from the region asked. */
  primaryRegion?: string;
  /** Regions this secret is replicated to (listed on the primary). */
  replicaRegions?: string[];
}

/** Which version to read: always named, never "whatever GetSecretValue defaults to". */
export type VersionSelector = { versionId: string } | { stage: string };

/** One version as GetSecretValue returns it; `binary` when it holds SecretBinary instead of text. */
export interface SecretVersionValue {
  versionId: string;
  stages: string[];
  secretString?: string;
  binary: boolean;
}

/** A new secret value to store under an idempotency token, with the labels it gets. */
export interface PutSecretValueRequest {
  secretId: string;
  secretString: string;
  clientRequestToken: string;
  /** Without it AWS moves AWSCURRENT at once; a rotation stages the value as AWSPENDING first. */
  versionStages?: string[];
}

/** Moves or removes one staging label (UpdateSecretVersionStage). */
export interface StageChange {
  secretId: string;
  stage: string;
  moveToVersionId?: string;
  removeFromVersionId?: string;
}

/** GetRandomPassword's constraints, from the runbook. */
export interface PasswordConstraints {
  length: number;
  excludeCharacters?: string;
  excludePunctuation: boolean;
}

/** Only the Secrets Manager calls secret rotation needs. */
export interface SecretsApi {
  /** The region the calls go to. */
  region(): Promise<string>;
  /** The same API, credentials and endpoint, in another region (a replica's primary). */
  inRegion(region: string): SecretsApi;
  describeSecret(secretId: string): Promise<SecretDescription>;
  getSecretValue(secretId: string, version: VersionSelector): Promise<SecretVersionValue>;
  /** PutSecretValue; resolves to the new version id (AWS uses the token as the id). */
  putSecretValue(request: PutSecretValueRequest): Promise<string>;
  updateSecretVersionStage(change: StageChange): Promise<void>;
  getRandomPassword(constraints: PasswordConstraints): Promise<string>;
  /** RotateSecret now, with the configured lambda; resolves to the new version id. */
  rotateSecret(secretId: string, clientRequestToken: string): Promise<string>;
  /** "default AWS endpoint" or the endpoint URL in use, for the incident record. */
  describeEndpoint(): Promise<string>;
  /** STS GetCallerIdentity with the same credentials and region; asked once per API. */
  callerIdentity(): Promise<CallerIdentity>;
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

/** The SDK waits forever on an endpoint that accepts and never answers: containment must not. */
const DEFAULT_TIMEOUTS = { connectionMs: 10_000, requestMs: 30_000 };

/** A SecretsApi on the SDK's default credential chain, region and configured endpoint. */
export function createSecretsApi(options: SecretsApiOptions = {}): SecretsApi {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const client = new SecretsManagerClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionMs,
      requestTimeout: timeouts.requestMs,
      // Without it the SDK only logs a warning when the request timeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
  let identity: Promise<CallerIdentity> | undefined;
  return {
    region: () => client.config.region(),
    inRegion: (region) => createSecretsApi({ ...options, region }),
    describeSecret: (secretId) => describeSecret(client, secretId),
    getSecretValue: (secretId, version) => getSecretValue(client, secretId, version),
    putSecretValue: (request) => putSecretValue(client, request),
    updateSecretVersionStage: async (change) => {
      await client.send(new UpdateSecretVersionStageCommand({
        SecretId: change.secretId,
        VersionStage: change.stage,
        MoveToVersionId: change.moveToVersionId,
        RemoveFromVersionId: change.removeFromVersionId,
      }));
    },
    getRandomPassword: (constraints) => getRandomPassword(client, constraints),
    async rotateSecret(secretId, clientRequestToken) {
      const out = await client.send(new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: clientRequestToken,
        RotateImmediately: true,
      }));
      return out.VersionId ?? clientRequestToken;
    },
    describeEndpoint: async () => options.endpoint ?? (await configuredEndpoint(client)) ?? DEFAULT_ENDPOINT,
    callerIdentity: () => {
      identity ??= callerIdentity(client).catch((error: unknown) => {
        identity = undefined;
        throw error;
      });
      return identity;
    },
  };
}

async function describeSecret(client: SecretsManagerClient, secretId: string): Promise<SecretDescription> {
  const out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const replicas = (out.ReplicationStatus ?? []).flatMap((status) => (status.Region ? [status.Region] : []));
  return {
    arn: out.ARN ?? secretId,
    name: out.Name ?? secretId,
    rotationLambdaArn: out.RotationLambdaARN || undefined,
    deletedDate: out.DeletedDate,
    versionIdsToStages: out.VersionIdsToStages ?? {},
    primaryRegion: out.PrimaryRegion || undefined,
    replicaRegions: replicas,
  };
}

async function getSecretValue(
  client: SecretsManagerClient, secretId: string, version: VersionSelector,
): Promise<SecretVersionValue> {
  const out = await client.send(new GetSecretValueCommand({
    SecretId: secretId,
    ...('versionId' in version ? { VersionId: version.versionId } : { VersionStage: version.stage }),
  }));
  return {
    versionId: out.VersionId ?? ('versionId' in version ? version.versionId : ''),
    stages: out.VersionStages ?? [],
    secretString: out.SecretString,
    binary: out.SecretString === undefined && out.SecretBinary !== undefined,
  };
}

async function putSecretValue(client: SecretsManagerClient, request: PutSecretValueRequest): Promise<string> {
  const out = await client.send(new PutSecretValueCommand({
    SecretId: request.secretId,
    SecretString: request.secretString,
    ClientRequestToken: request.clientRequestToken,
    VersionStages: request.versionStages,
  }));
  return out.VersionId ?? request.clientRequestToken;
}

async function getRandomPassword(client: SecretsManagerClient, constraints: PasswordConstraints): Promise<string> {
  const out = await client.send(new GetRandomPasswordCommand({
    PasswordLength: constraints.length,
    ExcludeCharacters: constraints.excludeCharacters || undefined,
    ExcludePunctuation: constraints.excludePunctuation,
    RequireEachIncludedType: true,
  }));
  if (!out.RandomPassword) throw new Error('GetRandomPassword returned no password');
  return out.RandomPassword;
}
