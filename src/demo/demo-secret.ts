import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { messageOf } from '../errors.js';

export type DemoSecret = { created: true; secretId: string } | { created: false; why: string };

/**
 * Creates the demo's secret, but only in an emulator: a demo must not leave
 * secrets (and their monthly cost) in a real AWS account.
 */
export async function createDemoSecret(secretId: string, value: string): Promise<DemoSecret> {
  const endpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? process.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    return { created: false, why: 'no AWS_ENDPOINT_URL set, and the demo does not create secrets in real AWS' };
  }
  try {
    const client = new SecretsManagerClient({ maxAttempts: 1 });
    await client.send(new CreateSecretCommand({ Name: secretId, SecretString: value }));
    return { created: true, secretId };
  } catch (error) {
    const reason = (error as Error).name === 'Error' ? messageOf(error) : (error as Error).name;
    return { created: false, why: `Secrets Manager at ${endpoint} is not usable (${reason.split('\n')[0]})` };
  }
}
