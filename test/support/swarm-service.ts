/** A Swarm service that mounts one secret, with unique names, for the Swarm rotation suite. */
import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { INCIDENT_LABEL } from '../../src/secrets/swarm-secrets.js';
import { TEST_IMAGE, uniqueName } from './names.js';

const docker = new Docker();

/** Where the service reads its key: the guide's `--secret groq_api_key` mounts it here. */
export const SECRET_TARGET = 'groq_api_key';

export interface TestService {
  name: string;
  id: string;
  secretName: string;
  /** Removes the service and every secret a test or `ir` made for it. */
  remove(incidentId: string): Promise<void>;
}

/** How a service treats a new value: by default any value is fine. */
export interface ServiceOptions {
  /** Healthy only while it reads this value: a new value never lets its task run. */
  healthyOnlyWith?: string;
  /** Failed health checks before the task is killed; a huge number keeps the update waiting. */
  retries?: number;
  /** What Swarm does itself when the update fails (its default is pause). */
  failureAction?: 'pause' | 'rollback' | 'continue';
}

export async function createServiceWithSecret(value: string, options: ServiceOptions = {}): Promise<TestService> {
  const secretName = uniqueName('groq_api_key');
  const secret = await docker.createSecret({ Name: secretName, Data: Buffer.from(value).toString('base64') });
  return createServiceOn({ id: secret.id, name: secretName }, options);
}

/** A further service on a secret that already exists. */
export async function createServiceOn(
  secret: { id: string; name: string }, options: ServiceOptions = {},
): Promise<TestService> {
  const secretName = secret.name;
  const name = uniqueName('svc');
  const service = await docker.createService({
    Name: name,
    ...(options.failureAction ? { UpdateConfig: { Parallelism: 1, FailureAction: options.failureAction,
      Monitor: 3_000_000_000 } } : {}),
    TaskTemplate: {
      ContainerSpec: {
        ...(options.healthyOnlyWith ? { HealthCheck: healthyOnlyWith(options.healthyOnlyWith, options) } : {}),
        // A local image: the single node cannot reach a registry, and falls back to what it has.
        Image: TEST_IMAGE,
        Command: ['sleep', '3600'],
        StopGracePeriod: 1_000_000_000,
        Secrets: [{ SecretID: secret.id, SecretName: secretName,
          File: { Name: SECRET_TARGET, UID: '0', GID: '0', Mode: 0o444 } }],
      },
      RestartPolicy: { Condition: 'any' },
    },
    Mode: { Replicated: { Replicas: 1 } },
  });
  const id = (service as { id: string }).id;
  await waitForRunningTask(id);
  return { name, id, secretName, remove: (incidentId) => removeAll(id, secretName, incidentId) };
}

function healthyOnlyWith(value: string, options: ServiceOptions): Docker.HealthConfig {
  return { Test: ['CMD', 'grep', '-qx', value, `/run/secrets/${SECRET_TARGET}`],
    Interval: 1_000_000_000, Timeout: 2_000_000_000, Retries: options.retries ?? 2 };
}

/** The container of the service's one running task, once it is running. */
export async function waitForRunningTask(serviceId: string): Promise<string> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const tasks = await docker.listTasks({
      filters: JSON.stringify({ service: [serviceId], 'desired-state': ['running'] }),
    });
    const running = tasks.find((task) => task.Status?.State === 'running');
    const containerId = running?.Status?.ContainerStatus?.ContainerID;
    if (containerId) return containerId;
    await delay(1_000);
  }
  throw new Error(`service ${serviceId} has no running task`);
}

/** What the service's running task reads at /run/secrets/<target>. */
export async function mountedSecret(serviceId: string): Promise<string> {
  const container = await waitForRunningTask(serviceId);
  const { stdout } = await promisify(execFile)('docker', ['exec', container, 'cat', `/run/secrets/${SECRET_TARGET}`]);
  return stdout;
}

export async function secretExists(name: string): Promise<boolean> {
  const found = await docker.listSecrets({ filters: JSON.stringify({ name: [name] }) });
  return found.some((secret) => secret.Spec?.Name === name);
}

export async function serviceSecrets(serviceId: string): Promise<Docker.SecretReference[]> {
  const info = await docker.getService(serviceId).inspect();
  return info.Spec.TaskTemplate.ContainerSpec.Secrets ?? [];
}

async function removeAll(serviceId: string, secretName: string, incidentId: string): Promise<void> {
  await docker.getService(serviceId).remove().catch(() => undefined);
  // A secret stays in use until the service's tasks are gone.
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const tasks = await docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) }).catch(() => []);
    if (tasks.length === 0) break;
    await delay(1_000);
  }
  const ours = await docker.listSecrets({ filters: JSON.stringify({ label: [`${INCIDENT_LABEL}=${incidentId}`] }) });
  for (const secret of ours) await docker.getSecret(secret.ID).remove().catch(() => undefined);
  const old = await docker.listSecrets({ filters: JSON.stringify({ name: [secretName] }) });
  for (const secret of old.filter((s) => s.Spec?.Name === secretName)) {
    await docker.getSecret(secret.ID).remove().catch(() => undefined);
  }
}
