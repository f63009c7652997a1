/**
 * A Secrets Manager emulator of the test's own, which it may stop and start
 * again: moto from the CI venv on a free port, recording every request so a
 * restart can replay them and come back with the same secrets and versions.
 * The shared emulator other suites use is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const MOTO_SERVER = process.env.IR_MOTO_SERVER ?? join(homedir(), '.cache/ir-ci/moto-venv/bin/moto_server');

export interface PrivateMoto {
  url: string;
  /** SIGKILLs the emulator: nothing answers on its port until `restart`. */
  kill(): Promise<void>;
  /** Starts it again on the same port and replays what it was sent, so its state is as it was. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Why a private emulator cannot run here, or undefined when it can. */
export async function privateMotoUnavailable(): Promise<string | undefined> {
  try {
    await access(MOTO_SERVER);
    return undefined;
  } catch {
    return `no moto_server at ${MOTO_SERVER} (bash .ci/run installs it; or set IR_MOTO_SERVER)`;
  }
}

export async function startPrivateMoto(recording: string): Promise<PrivateMoto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined = await launch(port, recording, url);
  const kill = async (): Promise<void> => {
    if (!child) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  return {
    url,
    kill,
    restart: async () => {
      child = await launch(port, recording, url);
      const replay = await fetch(`${url}/moto-api/recorder/replay-recording`, { method: 'POST' });
      if (!replay.ok) throw new Error(`moto replay failed: ${replay.status}`);
    },
    stop: kill,
  };
}

async function launch(port: number, recording: string, url: string): Promise<ChildProcess> {
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, MOTO_ENABLE_RECORDING: 'True', MOTO_RECORDER_FILEPATH: recording },
  });
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    if (await fetch(`${url}/moto-api/`).then((r) => r.ok, () => false)) return child;
    await delay(100);
  }
  child.kill('SIGKILL');
  throw new Error(`moto_server did not answer on ${url}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
