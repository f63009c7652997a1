/** Direct Secrets Manager calls for tests to set up and check secrets, outside the code under test. */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  RotateSecretCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

/** Creates a secret and returns its first version id. */
export async function createTestSecret(name: string, value: string | Uint8Array): Promise<string> {
  const data = typeof value === 'string' ? { SecretString: value } : { SecretBinary: value };
  const created = await client.send(new CreateSecretCommand({ Name: name, ...data }));
  return created.VersionId!;
}

export async function deleteTestSecret(name: string): Promise<void> {
  await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })).catch(() => undefined);
}

/** The value under a staging label, asked by label: a plain GetSecretValue may answer with a stale version. */
export async function secretValueAt(name: string, stage: string): Promise<string | undefined> {
  return (await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }))).SecretString;
}

export async function secretValueOf(name: string, versionId: string): Promise<string | undefined> {
  return (await client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }))).SecretString;
}

/** Every version and its labels, as DescribeSecret lists them (versions without labels are left out). */
export async function stagesOf(name: string): Promise<Record<string, string[]>> {
  const out = await client.send(new DescribeSecretCommand({ SecretId: name }));
  return Object.fromEntries(Object.entries(out.VersionIdsToStages ?? {}).filter(([, stages]) => stages.length > 0));
}

export async function versionCount(name: string): Promise<number> {
  const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
  return out.Versions?.length ?? 0;
}

/** What a rotation function's first step leaves behind: a value staged as AWSPENDING under its token. */
export async function stagePending(name: string, value: string, token: string): Promise<void> {
  await client.send(new PutSecretValueCommand({
    SecretId: name, SecretString: value, ClientRequestToken: token, VersionStages: ['AWSPENDING'],
  }));
}

export async function replicateTestSecret(name: string, region: string): Promise<void> {
  await client.send(new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: region }] }));
}

export async function deleteReplicatedSecret(name: string, region: string): Promise<void> {
  await client.send(new RemoveRegionsFromReplicationCommand({ SecretId: name, RemoveReplicaRegions: [region] }))
    .catch(() => undefined);
  await deleteTestSecret(name);
}

/**
 * Configures a rotation function that does not exist and lets its first run fail, as a broken
 * function would: the emulator stages AWSPENDING under the token, then cannot find the function.
 */
export async function failLambdaRotation(name: string, lambdaArn: string, token: string): Promise<void> {
  await client.send(new RotateSecretCommand({
    SecretId: name, RotationLambdaARN: lambdaArn, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 },
  })).catch(() => undefined);
}
