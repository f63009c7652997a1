/**
 * An endpoint in front of an emulator that, once PutSecretValue has been
 * answered by the emulator, stops the emulator before the answer reaches the
 * client: the new version exists, but `ir` never hears so. Every other call,
 * and every call after the stop, passes through (and finds nothing there).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward, readBody } from './echo-proxy.js';

export interface StopAfterPut {
  url: string;
  /** PutSecretValue requests that reached the emulator. */
  puts: number;
  close(): Promise<void>;
}

export async function startStopAfterPut(upstream: string, stop: () => Promise<void>): Promise<StopAfterPut> {
  const target = new URL(upstream);
  const state = { puts: 0, stopped: false };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const isPut = req.headers['x-amz-target'] === 'secretsmanager.PutSecretValue';
    forward(target, req, body, res, (answer) => {
      if (!isPut || state.stopped) return false;
      state.puts += 1;
      state.stopped = true;
      answer.resume();
      void stop().finally(() => res.destroy());
      return true;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get puts() {
      return state.puts;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
