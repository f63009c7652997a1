/**
 * A Docker socket in front of an engine that passes everything through and,
 * once an export response has streamed some bytes, calls `cut` (which kills
 * the engine): the way to have the engine die in the middle of an export.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Bytes of an export to pass before the engine is killed: well inside any filesystem. */
const PASS_BYTES = 64 * 1024;

export interface CutExportProxy {
  host: string;
  /** True once the cut happened. */
  readonly cut: boolean;
  close(): Promise<void>;
}

export async function startCutExportProxy(upstream: string, path: string, cut: () => Promise<void>): Promise<CutExportProxy> {
  const state = { cut: false };
  const server: Server = createServer((client) => relay(client, upstream, state, cut));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    host: `unix://${path}`,
    get cut() {
      return state.cut;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function relay(client: Socket, upstream: string, state: { cut: boolean }, cut: () => Promise<void>): void {
  const engine = connect(upstream);
  let exporting = false;
  let passed = 0;
  client.on('data', (chunk: Buffer) => {
    if (/\/containers\/[^/ ]+\/export/.test(chunk.toString('latin1'))) exporting = true;
    engine.write(chunk);
  });
  engine.on('data', (chunk: Buffer) => {
    client.write(chunk);
    passed += exporting ? chunk.length : 0;
    if (exporting && passed >= PASS_BYTES && !state.cut) {
      state.cut = true;
      void cut();
    }
  });
  engine.on('close', () => client.destroy());
  engine.on('error', () => client.destroy());
  client.on('close', () => engine.destroy());
  client.on('error', () => engine.destroy());
}
