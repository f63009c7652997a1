/**
 * A Docker engine of the test's own, which it may kill and start again: a
 * second dockerd with its own data root, exec root, pid file and socket, its
 * own bridge interface and no iptables or forwarding changes, so nothing it
 * does touches the shared engine. Not `--bridge=none`: a dockerd started so
 * deletes the host's docker0, which the shared engine needs.
 * `--live-restore` keeps containers running while it is down.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Docker from 'dockerode';
import { TEST_IMAGE } from './names.js';

export interface PrivateEngine {
  /** For DOCKER_HOST. */
  host: string;
  socket: string;
  dir: string;
  docker: Docker;
  /** SIGKILLs dockerd, as a crash would. */
  kill(): Promise<void>;
  /** Starts dockerd again on the same roots. */
  restart(): Promise<void>;
  /** Stops dockerd cleanly and removes its directories. */
  remove(): Promise<void>;
}

/** Starts the engine and loads the test image into it; a plain reason when it cannot. */
export async function startPrivateEngine(): Promise<PrivateEngine | string> {
  if (process.getuid?.() !== 0) return 'a private dockerd needs root';
  const dir = await mkdtemp('/tmp/ir-test-engine-');
  const socket = join(dir, 'docker.sock');
  const bridge = `irt${randomBytes(3).toString('hex')}`;
  let child: ChildProcess | undefined;
  try {
    await createBridge(bridge);
    child = await launch(dir, socket, bridge);
  } catch (error) {
    await removeBridge(bridge);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    return `cannot start a private dockerd: ${(error as Error).message}`;
  }
  const docker = new Docker({ socketPath: socket });
  const engine: PrivateEngine = {
    host: `unix://${socket}`, socket, dir, docker,
    kill: async () => {
      await stopProcess(child, 'SIGKILL');
      child = undefined;
      await killContainerd(join(dir, 'exec', 'containerd', 'containerd.pid'));
    },
    restart: async () => {
      // The killed dockerd's pid file stays behind, and a new one refuses to start beside it.
      await rm(join(dir, 'docker.pid'), { force: true });
      child = await launch(dir, socket, bridge);
    },
    remove: async () => {
      await stopProcess(child, 'SIGTERM');
      await removeBridge(bridge);
      await cleanUp(dir);
    },
  };
  try {
    await loadTestImage(docker);
  } catch (error) {
    await engine.remove();
    return `cannot load ${TEST_IMAGE} into the private dockerd: ${(error as Error).message}`;
  }
  return engine;
}

const run = promisify(execFile);

/** A bridge interface of our own, on a random private /24, for the engine's default network. */
async function createBridge(name: string): Promise<void> {
  await run('ip', ['link', 'add', 'name', name, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `10.${randomInt(200, 250)}.${randomInt(0, 256)}.1/24`, 'dev', name]);
  await run('ip', ['link', 'set', name, 'up']);
}

async function removeBridge(name: string): Promise<void> {
  await run('ip', ['link', 'delete', name]).catch(() => undefined);
}

async function launch(dir: string, socket: string, bridge: string): Promise<ChildProcess> {
  const log = await open(join(dir, 'dockerd.log'), 'a');
  const child = spawn('dockerd', [
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'),
    '-H', `unix://${socket}`, `--bridge=${bridge}`, '--iptables=false', '--ip-masq=false', '--ip-forward=false',
    '--live-restore',
  ], { stdio: ['ignore', log.fd, log.fd] });
  child.once('spawn', () => void log.close());
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => void lastLogLines(dir).then((tail) => reject(new Error(`dockerd exited with ${code}: ${tail}`))));
  });
  const docker = new Docker({ socketPath: socket });
  for (let waited = 0; waited < 60_000; waited += 200) {
    const up = await Promise.race([docker.ping().then(() => true, () => false), failed]);
    if (up) return child;
    await delay(200);
  }
  child.kill('SIGKILL');
  throw new Error('dockerd did not answer within 60 s');
}

async function lastLogLines(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'dockerd.log'), 'utf8').catch(() => '');
  return text.trim().split('\n').filter((line) => /level=(error|fatal)|failed/.test(line)).slice(-4).join(' | ');
}

/**
 * The engine's own containerd dies with it (the container shims live on, as
 * they do in a real crash). Where nothing reaps orphans it lingers as a zombie
 * whose pid file makes the next dockerd wait for it forever, so the pid file
 * goes too.
 */
async function killContainerd(pidFile: string): Promise<void> {
  const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    for (let waited = 0; waited < 30_000 && (await isLive(pid)); waited += 100) await delay(100);
  }
  await rm(pidFile, { force: true });
}

async function isLive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.split(') ')[1]?.[0] !== 'Z';
}

/**
 * After dockerd stopped: container shims it left (processes started for this
 * engine, found by its exec root in their arguments) are ended by pid, its
 * mounts under `dir` undone, and the directory removed.
 */
async function cleanUp(dir: string): Promise<void> {
  for (const pid of await readdir('/proc').then((names) => names.filter((name) => /^\d+$/.test(name)))) {
    const args = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (args.includes(join(dir, 'exec'))) process.kill(Number(pid), 'SIGKILL');
  }
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '')
    .filter((path) => path.startsWith(`${dir}/`)).reverse();
  for (const path of mounts) await run('umount', ['-l', path]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** `docker save | docker load`, engine to engine. */
async function loadTestImage(docker: Docker): Promise<void> {
  const saved = await new Docker().getImage(TEST_IMAGE).get();
  const loading = await docker.loadImage(saved);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(loading, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}
