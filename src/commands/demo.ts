import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { connectDocker, dockerStatus, waitForProgress } from '../docker/connect-docker.js';
import { createDemoSecret, deleteDemoSecret } from '../demo/demo-secret.js';
import { removeGuideContainer, startGuideContainer, type GuideContainerSpec } from '../demo/guide-container.js';
import { firstLineOf, IrError } from '../errors.js';
import { Redactor } from '../redactor.js';
import { parseRunbook } from '../runbook/load-runbook.js';
import type { Runbook } from '../runbook/schema.js';
import { runIncident } from '../runner/run-incident.js';
import { Output } from '../ui/output.js';

export interface DemoOptions {
  image: string;
  evidenceDir: string;
  json: boolean;
}

const DEMO_SCRIPT = [
  "echo 'demo: trading loop started'",
  "echo 'demo: suspicious outbound connection' >&2",
  "echo 'demo: app log line' > /app/logs/app.log",
  "echo 'demo: dropped payload' > /tmp/payload.sh",
  'touch /tmp/ready',
  'exec sleep 3600',
].join('; ');

/** `ir demo`: a disposable guide-shaped container, contained in scripted mode. */
export async function demo(options: DemoOptions): Promise<number> {
  const redactor = new Redactor();
  const output = new Output(redactor, { json: options.json, fancy: false });
  const docker = await connectDocker();
  await ensureImage(docker, options.image);

  const suffix = randomBytes(3).toString('hex');
  const apiKey = `demo-${randomBytes(16).toString('hex')}`;
  redactor.add(apiKey);
  const spec: GuideContainerSpec = {
    name: `ir-demo-${suffix}`, image: options.image, networks: [`ir-demo-${suffix}-net`], apiKey, script: DEMO_SCRIPT,
  };
  output.progress(`Starting demo container ${spec.name} (${options.image}) on network ${spec.networks[0]}`);
  const secretId = `ir-demo/${suffix}/groq-key`;
  let secretCreated = false;
  try {
    await startGuideContainer(docker, spec);
    const secret = await createDemoSecret(secretId, apiKey);
    secretCreated = secret.created;
    if (!secret.created) output.progress(`Secret rotation skipped: ${secret.why}.`);
    const runbook = demoRunbook(spec.name, secret.created ? secret.secretId : undefined);
    return await runIncident({
      runbook, redactor, output, evidenceDir: options.evidenceDir, json: options.json,
      suppliedSecret: async () => { throw new Error('the demo never asks for a secret'); },
    });
  } finally {
    await removeGuideContainer(docker, spec);
    if (secretCreated) await deleteDemoSecret(secretId);
  }
}

/** The demo's runbook goes through the same validation and defaults as any file. */
function demoRunbook(container: string, secretId: string | undefined): Runbook {
  const rotate = secretId
    ? `  - rotate-secret:\n      secretId: ${secretId}\n      env: GROQ_API_KEY\n      strategy: generate\n`
    : '';
  const text = `name: demo\ntarget:\n  container: ${container}\nsteps:\n  - isolate: {}\n  - capture: {}\n` +
    `  - terminate:\n      stopTimeout: 2\n${rotate}`;
  return parseRunbook(text, '(built into ir demo)');
}

/** The demo image must be on the engine, or pullable. */
async function ensureImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (error) {
    if (dockerStatus(error) !== 404) throw error;
  }
  try {
    const stream = await docker.pull(image);
    await waitForProgress(docker, stream);
  } catch (error) {
    throw new IrError(`image ${image} is not on this engine and could not be pulled (${firstLineOf(error)})`, {
      code: 'DEMO_IMAGE_MISSING',
      source: 'environment',
      hint: 'load an image that has sh and tar (docker load / docker import) and pass --image NAME',
    });
  }
}
