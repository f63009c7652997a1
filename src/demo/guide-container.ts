import type Docker from 'dockerode';
import { IrError } from '../errors.js';

/** A container started the way the Docker security guide starts AutoTrader. */
export interface GuideContainerSpec {
  name: string;
  image: string;
  /** User-defined bridge networks to create and attach, first one as the main network. */
  networks: string[];
  /** GROQ_API_KEY in the container's environment, as the guide passes it. */
  apiKey: string;
  /** Shell script to run; it must `touch /tmp/ready` once its evidence is written. */
  script: string;
  /** Volumes and bind mounts, as the guide's compose file adds them. */
  mounts?: Docker.MountConfig;
  /** More `NAME=value` variables beside GROQ_API_KEY. */
  env?: string[];
}

/** The guide's `docker run` flags, as the engine API spells them. */
function guideHostConfig(network: string, mounts: Docker.MountConfig = []): Docker.HostConfig {
  return {
    Mounts: mounts,
    ReadonlyRootfs: true,
    Tmpfs: {
      '/tmp': 'rw,noexec,nosuid,size=100m',
      // uid/gid are not in the guide: without them the tmpfs is root-owned 0755
      // and user 1000 cannot write its logs there (seen on Docker 20.10).
      '/app/logs': 'rw,noexec,nosuid,size=500m,uid=1000,gid=1000',
    },
    SecurityOpt: ['no-new-privileges:true'],
    CapDrop: ['ALL'],
    PidsLimit: 100,
    Memory: 256 * 1024 * 1024,
    MemorySwap: 256 * 1024 * 1024,
    NetworkMode: network,
  };
}

/** Creates the networks and the container, starts it and waits until its script is ready. */
export async function startGuideContainer(docker: Docker, spec: GuideContainerSpec): Promise<Docker.Container> {
  for (const network of spec.networks) await docker.createNetwork({ Name: network, Driver: 'bridge' });
  const container = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Cmd: ['sh', '-c', spec.script],
    User: '1000:1000',
    Env: [`GROQ_API_KEY=${spec.apiKey}`, ...(spec.env ?? [])],
    HostConfig: guideHostConfig(spec.networks[0] ?? 'none', spec.mounts),
  });
  for (const extra of spec.networks.slice(1)) {
    await docker.getNetwork(extra).connect({ Container: container.id });
  }
  await container.start();
  await waitForReady(container);
  return container;
}

/** Removes what startGuideContainer made; missing pieces are fine. */
export async function removeGuideContainer(docker: Docker, spec: Pick<GuideContainerSpec, 'name' | 'networks'>) {
  await docker.getContainer(spec.name).remove({ force: true }).catch(() => undefined);
  for (const network of spec.networks) await docker.getNetwork(network).remove().catch(() => undefined);
}

/** Polls for the script's ready marker through exec: bounded, no guessed sleep. */
async function waitForReady(container: Docker.Container): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const exec = await container.exec({ Cmd: ['test', '-e', '/tmp/ready'], AttachStdout: true });
    const stream = await exec.start({});
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve));
    const { ExitCode, Running } = await exec.inspect();
    if (!Running && ExitCode === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new IrError('the demo container did not become ready within 10 seconds', {
    code: 'DEMO_NOT_READY',
    source: 'environment',
    hint: 'check `docker logs` of the demo container',
  });
}
