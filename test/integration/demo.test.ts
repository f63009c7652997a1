import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { TEST_IMAGE } from '../support/names.js';
import { runCli, tempDir } from '../support/run-cli.js';

async function demoLeftovers(): Promise<string[]> {
  const docker = new Docker();
  const containers = await docker.listContainers({ all: true, filters: { name: ['ir-demo-'] } });
  return containers.map((c) => c.Names[0] ?? c.Id);
}

describe.skipIf(!inject('docker').ok)('ir demo', () => {
  let work: string;
  beforeEach(async () => {
    work = await tempDir('demo');
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.skipIf(!inject('aws').ok)('contains a guide-shaped container and rotates its demo secret', async () => {
    const run = await runCli(['demo', '--image', TEST_IMAGE, '--json', '--evidence-dir', work]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.steps.map((s: { kind: string }) => s.kind)).toEqual(['isolate', 'capture', 'terminate', 'rotate-secret']);
    expect(summary.directory.startsWith(work)).toBe(true);
    expect(await readdir(join(summary.directory, 'evidence'))).toHaveLength(1);
  });

  it('still contains without Secrets Manager, saying in one line why rotation was skipped', async () => {
    const run = await runCli(['demo', '--image', TEST_IMAGE, '--evidence-dir', work], {
      AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_SECRETS_MANAGER: '',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('Secret rotation skipped:'))).toHaveLength(1);
    expect(run.stdout).toMatch(/3\. terminate\s+succeeded/);
    expect(run.stdout).not.toMatch(/\d\. rotate-secret/);
    expect(run.stdout).toMatch(/^  - rotate GROQ_API_KEY: burned with the container/m);
    expect(await demoLeftovers()).toEqual([]);
  });

  it('names a missing image plainly', async () => {
    const run = await runCli(['demo', '--image', 'ir-test/no-such-image:never', '--evidence-dir', work]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^ir: image ir-test\/no-such-image:never is not on this engine and could not be pulled/);
  });
});
