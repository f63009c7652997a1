/**
 * Finds out, once per test run, whether the real Docker engine and the Secrets
 * Manager endpoint are reachable. Integration suites skip themselves when they
 * are not and this says so plainly; with CI=true a missing part fails the run.
 */
import Docker from 'dockerode';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TestProject } from 'vitest/node';
import { TEST_IMAGE } from './names.js';
import { checkSwarm } from './swarm.js';

// The SDK checks this when a client is made; the test config's env does not reach this setup process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The image built by test/support/build-stress-image.sh. */
export const STRESS_IMAGE = 'ir-test/stress:latest';

export interface PartStatus {
  ok: boolean;
  reason: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    docker: PartStatus;
    aws: PartStatus;
    /** The image for test/integration/tar-stress.test.ts; checked apart so only that suite depends on it. */
    stress: PartStatus;
    /** A swarm manager on the test engine, for the Swarm secret suite. */
    swarm: PartStatus;
  }
}

async function checkDocker(): Promise<PartStatus> {
  try {
    const docker = new Docker();
    await docker.ping();
    await docker.getImage(TEST_IMAGE).inspect();
    return { ok: true, reason: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      ok: false,
      reason: `no usable Docker engine or test image ${TEST_IMAGE} (${message}); ` +
        'start dockerd and run test/support/build-test-image.sh',
    };
  }
}

async function checkStressImage(docker: PartStatus): Promise<PartStatus> {
  if (!docker.ok) return { ok: false, reason: 'no usable Docker engine (see above)' };
  try {
    await new Docker().getImage(STRESS_IMAGE).inspect();
    return { ok: true, reason: '' };
  } catch {
    const build = 'run test/support/build-stress-image.sh (needs debootstrap)';
    return { ok: false, reason: `no image ${STRESS_IMAGE}: ${build}` };
  }
}

async function checkSecretsManager(): Promise<PartStatus> {
  if (!process.env.AWS_ENDPOINT_URL) {
    return { ok: false, reason: 'AWS_ENDPOINT_URL is not set (point it at a moto server)' };
  }
  try {
    const client = new SecretsManagerClient({ maxAttempts: 1 });
    await client.send(new ListSecretsCommand({ MaxResults: 1 }));
    return { ok: true, reason: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `Secrets Manager at ${process.env.AWS_ENDPOINT_URL} failed: ${message}` };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const docker = await checkDocker();
  const stress = await checkStressImage(docker);
  const aws = await checkSecretsManager();
  const swarm = await checkSwarm(docker);
  project.provide('swarm', swarm);
  project.provide('docker', docker);
  project.provide('stress', stress);
  project.provide('aws', aws);

  const missing = [
    docker.ok ? '' : `Docker integration suites skipped: ${docker.reason}`,
    stress.ok ? '' : `tar stress suite skipped: ${stress.reason}`,
    aws.ok ? '' : `Secrets Manager integration suites skipped: ${aws.reason}`,
    swarm.ok ? '' : `Swarm secret suite skipped: ${swarm.reason}`,
  ].filter(Boolean);
  for (const line of missing) process.stderr.write(`\n[ir tests] ${line}\n`);
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`CI=true and integration suites would be skipped:\n${missing.join('\n')}`);
  }
}
