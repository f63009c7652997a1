import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeGuideContainer, startGuideContainer } from '../../src/demo/guide-container.js';
import { readJournal, trailRecords } from '../support/cli-child.js';
import { startCutExportProxy, type CutExportProxy } from '../support/cut-export-proxy.js';
import { DEFAULT_SCRIPT } from '../support/guide-container.js';
import { TEST_IMAGE, uniqueName } from '../support/names.js';
import { startPrivateEngine } from '../support/private-engine.js';
import { runCli, tempDir, writeContainRunbook, type CliRun } from '../support/run-cli.js';

// The shared engine is never stopped: this suite kills a dockerd of its own.
const engine = await startPrivateEngine();
const unavailable = typeof engine === 'string' ? engine : undefined;
if (unavailable && process.env.CI === 'true') throw new Error(`CI=true and the engine fault test cannot run: ${unavailable}`);
if (unavailable) process.stderr.write(`\n[ir tests] engine fault test skipped: ${unavailable}\n`);

interface Manifest {
  complete: boolean;
  items: { path: string; partial?: boolean; replacedBy?: string }[];
  missing: unknown[];
}

async function manifestOf(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

describe.skipIf(unavailable !== undefined)('the Docker engine killed during export, then started again', () => {
  const private_ = engine as Exclude<typeof engine, string>;
  // No networks of its own: the private engine creates no interfaces beyond its bridge.
  const spec = { name: uniqueName('engine-fault'), image: TEST_IMAGE, networks: [] as string[],
    apiKey: 'gsk_fake_engine_fault_value', script: DEFAULT_SCRIPT };
  let proxy: CutExportProxy;
  let work: string;
  let dir: string;
  let failed: CliRun;
  let afterFailure: Manifest;
  let resumed: CliRun;

  beforeAll(async () => {
    work = await tempDir('engine-fault');
    await startGuideContainer(private_.docker, spec);
    proxy = await startCutExportProxy(private_.socket, join(work, 'engine.sock'), () => private_.kill());
    const runbook = await writeContainRunbook(work, spec.name);
    const evidence = join(work, 'incidents');
    failed = await runCli(['contain', '--runbook', runbook, '--yes', '--json', '--case', 'ENGINE-1',
      '--evidence-dir', evidence], { DOCKER_HOST: proxy.host });
    dir = join(evidence, 'ENGINE-1');
    afterFailure = await manifestOf(dir);
    await private_.restart();
    resumed = await runCli(['resume', dir, '--yes', '--json'], { DOCKER_HOST: private_.host });
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    if (typeof engine !== 'string') {
      await removeGuideContainer(private_.docker, spec).catch(() => undefined);
      await private_.remove();
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('fails the capture with a clear message and keeps the partial export marked partial', () => {
    expect(proxy.cut).toBe(true);
    // 6: partly contained, isolated but neither captured whole nor terminated.
    expect(failed.code, failed.stderr).toBe(6);
    const [isolate, capture, terminate] = JSON.parse(failed.stdout).steps;
    expect(isolate.outcome).toBe('succeeded');
    expect(capture).toMatchObject({ outcome: 'failed', error: { code: 'CAPTURE_INCOMPLETE' } });
    expect(capture.error.message).toMatch(/filesystem: /);
    expect(terminate).toMatchObject({ outcome: 'failed', error: { code: 'EVIDENCE_FIRST' } });
    const tar = afterFailure.items.find((item) => item.path.endsWith('/filesystem.tar'));
    expect(tar?.partial).toBe(true);
    expect(afterFailure.complete).toBe(false);
  });

  it('resumes the same incident to a complete, valid bundle', async () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.steps.map((step: { outcome: string }) => step.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const manifest = await manifestOf(dir);
    const aside = manifest.items.find((item) => item.path.endsWith('interrupted-1/filesystem.tar.partial'));
    expect(aside).toMatchObject({ partial: true, replacedBy: expect.stringMatching(/\/filesystem\.tar$/) });
    expect(manifest.items.find((item) => item.path.endsWith(`${spec.name}/filesystem.tar`))?.partial).toBeUndefined();
    expect(manifest.complete).toBe(true);
    expect((await readJournal(dir)).steps.map((step) => step.state)).toEqual(['done', 'done', 'done']);
    const events = (await trailRecords(dir)).map((record) => record.event);
    expect(events.filter((event) => event === 'audit.sealed')).toHaveLength(2);
    const audit = await runCli(['audit', 'verify', dir]);
    expect(audit.code, audit.stdout).toBe(0);
    const evidence = await runCli(['evidence', 'verify', dir]);
    expect(evidence.code, evidence.stdout).toBe(0);
    await expect(private_.docker.getContainer(spec.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
