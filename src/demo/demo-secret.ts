import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { messageOf } from '../errors.js';

export type DemoSecret = { created: true; secretId: string } | { created: false; why: string };

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

function emulatorEndpoint(): string | undefined {
  return process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER || process.env.AWS_ENDPOINT_URL || undefined;
}

/**
 * Creates the demo's secret, but only in an emulator on this machine: a demo
 * must not leave secrets (and their monthly cost) in a real AWS account, and
 * an endpoint setting may well point at real AWS (a VPC or FIPS endpoint).
 */
export async function createDemoSecret(secretId: string, value: string): Promise<DemoSecret> {
  const endpoint = emulatorEndpoint();
  if (!endpoint) {
    return { created: false, why: 'no AWS_ENDPOINT_URL set, and the demo does not create secrets in real AWS' };
  }
  if (!LOOPBACK.test(safeHost(endpoint))) {
    return { created: false, why: `${endpoint} is not on this machine, and the demo only uses a local emulator` };
  }
  try {
    await new SecretsManagerClient({ maxAttempts: 1 }).send(new CreateSecretCommand({ Name: secretId, SecretString: value }));
    return { created: true, secretId };
  } catch (error) {
    const reason = (error as Error).name === 'Error' ? messageOf(error) : (error as Error).name;
    return { created: false, why: `Secrets Manager at ${endpoint} is not usable (${reason.split('\n')[0]})` };
  }
}

/** The demo cleans up after itself; the audit trail keeps the record of the rotation. */
export async function deleteDemoSecret(secretId: string): Promise<void> {
  await new SecretsManagerClient({ maxAttempts: 1 })
    .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
    .catch(() => undefined);
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
