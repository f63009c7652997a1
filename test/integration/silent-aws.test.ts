import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { runCli, tempDir } from '../support/run-cli.js';

/** An endpoint that takes the connection and never says a word: a black-holed proxy, a hung emulator. */
async function silentEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => { sockets.push(socket); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

describe.skipIf(!inject('docker').ok)('a Secrets Manager endpoint that never answers', () => {
  let guide: GuideContainer;
  let work: string;
  let endpoint: Awaited<ReturnType<typeof silentEndpoint>>;

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_silent_value' });
    work = await tempDir('silent-aws');
    endpoint = await silentEndpoint();
    await writeFile(join(work, 'runbook.yaml'), `name: silent\ntarget:\n  container: ${guide.name}\nsteps:\n` +
      '  - rotate-secret:\n      secretId: ir-test/silent\n      strategy: generate\n');
  });

  afterAll(async () => {
    await endpoint?.close();
    await guide?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('does not hold up a plan: the rotation step says AWS did not answer', async () => {
    const run = await runCli(['plan', '--runbook', join(work, 'runbook.yaml'), '--json', '--evidence-dir', work],
      { AWS_ENDPOINT_URL: endpoint.url, AWS_ENDPOINT_URL_SECRETS_MANAGER: '', AWS_ENDPOINT_URL_STS: '' });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toContain('AWS_UNREACHABLE');
  }, 120_000);
});
