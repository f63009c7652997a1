import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export async function createTestSecret(name: string, value: string): Promise<void> {
  await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
}

export async function deleteTestSecret(name: string): Promise<void> {
  await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })).catch(() => undefined);
}

export async function secretValueAt(name: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }));
  return out.SecretString;
}

export async function versionStages(name: string): Promise<Record<string, string[]>> {
  const out = await client.send(new DescribeSecretCommand({ SecretId: name }));
  return out.VersionIdsToStages ?? {};
}
