/** Direct Secrets Manager calls for tests to set up and check secrets, outside the code under test. */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

/** Creates a secret and returns its first version id. */
export async function createTestSecret(name: string, value: string): Promise<string> {
  const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return created.VersionId!;
}

export async function deleteTestSecret(name: string): Promise<void> {
  await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })).catch(() => undefined);
}

export async function secretValueAt(name: string, stage: string): Promise<string | undefined> {
  return (await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }))).SecretString;
}

export async function versionCount(name: string): Promise<number> {
  const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
  return out.Versions?.length ?? 0;
}
