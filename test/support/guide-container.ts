/**
 * Runs a container the way the Docker security guide runs AutoTrader, with
 * unique names, so the tool is tested against exactly that shape.
 */
import Docker from 'dockerode';
import { removeGuideContainer, startGuideContainer } from '../../src/demo/guide-container.js';
import { TEST_IMAGE, uniqueName } from './names.js';

export interface GuideContainer {
  name: string;
  id: string;
  networks: string[];
  remove(): Promise<void>;
}

export interface GuideContainerOptions {
  /** Value for GROQ_API_KEY in the container's environment. */
  apiKey: string;
  /** Shell script the container runs; must `touch /tmp/ready`. Defaults to writing GUIDE_LINES. */
  script?: string;
  networkCount?: number;
  mounts?: Docker.MountConfig;
  /** More `NAME=value` variables. */
  env?: string[];
}

/** Lines the default script writes, so tests can look for them in evidence. */
export const GUIDE_LINES = {
  stdout: 'autotrader stdout: order filled',
  stderr: 'autotrader stderr: rate limited',
  appLog: 'autotrader app log: strategy loaded',
  tmp: 'autotrader tmp: scratch',
};

export const DEFAULT_SCRIPT = [
  `echo '${GUIDE_LINES.stdout}'`,
  `echo '${GUIDE_LINES.stderr}' >&2`,
  `echo '${GUIDE_LINES.appLog}' > /app/logs/app.log`,
  `echo '${GUIDE_LINES.tmp}' > /tmp/scratch.txt`,
  'touch /tmp/ready',
  'exec sleep 3600',
].join('; ');

export async function runGuideContainer(options: GuideContainerOptions): Promise<GuideContainer> {
  const docker = new Docker();
  const spec = {
    name: uniqueName('autotrader'),
    image: TEST_IMAGE,
    networks: Array.from({ length: options.networkCount ?? 1 }, (_, i) => uniqueName(`net${i}`)),
    apiKey: options.apiKey,
    script: options.script ?? DEFAULT_SCRIPT,
    mounts: options.mounts,
    env: options.env,
  };
  try {
    const container = await startGuideContainer(docker, spec);
    return { name: spec.name, id: container.id, networks: spec.networks, remove: () => removeGuideContainer(docker, spec) };
  } catch (error) {
    await removeGuideContainer(docker, spec);
    throw error;
  }
}
