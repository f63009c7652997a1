import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packIncident } from '../../src/evidence/pack-bundle.js';
import { withUnpackedBundle } from '../../src/evidence/unpack-bundle.js';
import { verifyIncidentDir } from '../../src/evidence/verify-bundle.js';
import { tarOf, writeIncident } from '../support/incident-fixture.js';
import { CLI, tempDir } from '../support/run-cli.js';

/** Big enough that unpacking takes a moment anywhere; sparse, so no disk is used until then. */
const BIG = 1024 ** 3;

let work: string;
let temp: string;
beforeEach(async () => {
  work = await tempDir('interrupt');
  temp = await tempDir('interrupt-tmp');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(temp, { recursive: true, force: true });
});

describe('interrupting ir evidence verify on a bundle', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`removes the unpacked evidence on ${signal} and exits 130`, async () => {
      const bundle = await writeBigBundle();
      const child = spawn(process.execPath, [CLI, 'evidence', 'verify', bundle], {
        env: { ...process.env, NO_COLOR: '1', TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      await waitForUnpackDir(child);
      child.kill(signal);
      const [code, killedBy] = await exited;
      expect({ code, killedBy }, stderr).toEqual({ code: 130, killedBy: null });
      expect(stderr).toMatch(new RegExp(`^ir: interrupted by ${signal}$`, 'm'));
      expect(await readdir(temp)).toEqual([]);
    });
  }

  it('listens for the signals only while the bundle is unpacked and verified', async () => {
    const incident = join(work, 'IR-test');
    await writeIncident(incident);
    const { output } = await packIncident(incident, join(work, 'bundle.tar'));
    const before = countListeners();
    const during = await withUnpackedBundle(output, async () => countListeners());
    expect(during).toEqual(before.map((count) => count + 1));
    expect(countListeners()).toEqual(before);
  });

  it('stops verifying unpacked files once interrupted, with the interrupt as reason', async () => {
    const incident = join(work, 'IR-test');
    await writeIncident(incident);
    const stop = new Error('interrupted');
    await expect(verifyIncidentDir(incident, incident, AbortSignal.abort(stop))).rejects.toBe(stop);
  });
});

function countListeners(): number[] {
  return ['SIGINT', 'SIGTERM'].map((name) => process.listenerCount(name));
}

/** Polls until the CLI has made its temporary directory; fails if it exits first. */
async function waitForUnpackDir(child: ReturnType<typeof spawn>): Promise<void> {
  while (!(await readdir(temp)).some((name) => name.startsWith('ir-bundle-'))) {
    if (child.exitCode !== null) throw new Error(`ir exited ${child.exitCode} before unpacking`);
    await pause(5);
  }
}

/** A bundle whose second entry is BIG zero bytes: a manifest entry, a header, and a sparse tail. */
async function writeBigBundle(): Promise<string> {
  const incident = join(work, 'IR-test');
  await writeIncident(incident);
  const manifestText = await readFile(join(incident, 'manifest.json'));
  const manifest = await tarOf([{ header: { name: 'manifest.json' }, content: manifestText }]);
  const path = join(work, 'big.tar');
  const header = await headerOf('evidence/big.bin', BIG);
  await writeFile(path, Buffer.concat([manifest.subarray(0, -1024), header]));
  await truncate(path, manifest.length - 1024 + 512 + BIG + 1024);
  return path;
}

/** The 512-byte header tar-stream writes for an entry, taken before any of its content. */
async function headerOf(name: string, size: number): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name, size, mtime: new Date(0) });
  const [header] = (await once(archive, 'data')) as [Buffer];
  archive.destroy();
  return header;
}
