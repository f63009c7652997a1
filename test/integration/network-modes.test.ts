import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_IMAGE, uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir } from '../support/run-cli.js';

const docker = new Docker();

/** A plain container on a shared network namespace, running until removed. */
async function startShared(networkMode: string, start = true): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name: uniqueName('shared'), Image: TEST_IMAGE, Cmd: ['sleep', '3600'], HostConfig: { NetworkMode: networkMode },
  });
  if (start) await container.start();
  return container;
}

describe.skipIf(!inject('docker').ok)('network modes isolate cannot disconnect', () => {
  const made: Docker.Container[] = [];
  const networks: string[] = [];
  let work: string;

  beforeAll(async () => {
    work = await tempDir('netmode');
  });

  afterAll(async () => {
    for (const container of made) await container.remove({ force: true }).catch(() => undefined);
    for (const network of networks) await docker.getNetwork(network).remove().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  async function contain(container: Docker.Container, steps: string, extra: string[] = []) {
    const name = uniqueName('run');
    const file = join(work, `${name}.yaml`);
    await writeFile(file, `name: shared\ntarget:\n  container: ${container.id}\nsteps:\n${steps}`);
    const run = await runCli(['contain', '--runbook', file, '--yes', '--evidence-dir', join(work, name), ...extra]);
    const trail = (await readFile(join(await onlyIncidentDir(join(work, name)), 'audit.jsonl'), 'utf8'))
      .trim().split('\n').map((line) => JSON.parse(line));
    return { run, trail };
  }

  /** A container on a network of its own, and one that joins its network namespace. */
  async function startJoined() {
    const ownNetwork = uniqueName('owner-net');
    await docker.createNetwork({ Name: ownNetwork, Driver: 'bridge' });
    networks.push(ownNetwork);
    const owner = await startShared(ownNetwork);
    const joined = await startShared(`container:${owner.id}`);
    made.push(owner, joined);
    return { owner, joined };
  }

  it('--network host: pauses it by default, fails isolate, and still captures and removes it', async () => {
    const container = await startShared('host');
    made.push(container);
    const { run, trail } = await contain(container, '  - isolate: {}\n  - capture: {}\n  - terminate: {}\n', ['--json']);

    expect(run.code, run.stderr).toBe(6);
    const summary = JSON.parse(run.stdout);
    expect(summary.partlyContained).toBe(true);
    expect(summary.steps.map((s: { outcome: string }) => s.outcome)).toEqual(['failed', 'succeeded', 'succeeded']);
    expect(summary.steps[0].error).toMatchObject({ code: 'ISOLATE_FALLBACK_PAUSED' });
    expect(summary.steps[0].error.message).toBe("network mode 'host' (the host's network) cannot be disconnected: " +
      "paused it instead (fallback: pause); it is still on the host's network and talks again if unpaused");
    const events = trail.map((r) => `${r.event}:${r.outcome}`);
    expect(events.indexOf('docker.container.pause:succeeded')).toBeLessThan(events.indexOf('step.failed:failed'));
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('--network container:X paused by default: the hint says to contain X too', async () => {
    const { owner, joined } = await startJoined();
    const { run } = await contain(joined, '  - isolate: {}\n', ['--json']);

    const [step] = JSON.parse(run.stdout).steps;
    expect(step.error).toMatchObject({ code: 'ISOLATE_FALLBACK_PAUSED' });
    expect(step.error.hint).toMatch(new RegExp(`^contain ${owner.id} too \\(ir contain --target ${owner.id}\\)`));
    expect((await owner.inspect()).State).toMatchObject({ Running: true, Paused: false });
  });

  it('--network container:X: stops it once capture is done, and leaves X alone', async () => {
    const { owner, joined } = await startJoined();
    const { run } = await contain(joined, '  - isolate:\n      fallback: stop-after-capture\n  - capture: {}\n');

    expect(run.code, run.stderr).toBe(6);
    const ownerName = (await owner.inspect()).Name.slice(1);
    expect(run.stdout).toContain(`isolate       failed    network mode 'container:${owner.id}' ` +
      `(the network of container ${ownerName} (${owner.id.slice(0, 12)})) cannot be disconnected: it keeps running`);
    expect(run.stdout).toMatch(/✔ 2\. capture {7}succeeded/);
    expect(run.stdout).toContain('warning: stopped the container after capture (isolate fallback');
    expect(run.stdout).not.toMatch(/disconnected from|isolated/);
    expect((await joined.inspect()).State).toMatchObject({ Running: false, Status: 'exited' });
    expect((await owner.inspect()).State).toMatchObject({ Running: true, Paused: false });
  });

  it('fallback none: fails isolate and leaves the container as it was', async () => {
    const container = await startShared('host');
    made.push(container);
    const { run } = await contain(container, '  - isolate:\n      fallback: none\n');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("cannot be disconnected; the runbook's fallback is none");
    expect((await container.inspect()).State).toMatchObject({ Running: true, Paused: false });
  });

  it('a host-network container that is not running needs no fallback', async () => {
    const container = await startShared('host', false);
    made.push(container);
    const { run } = await contain(container, '  - isolate: {}\n');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain("not running (created): network mode 'host' (the host's network) cannot be " +
      'disconnected, and nothing runs to use it');
  });

  it('refuses stop-after-capture with no capture step after it, before anything is touched', async () => {
    const file = join(work, 'no-capture.yaml');
    await writeFile(file, 'name: x\ntarget:\n  container: x\nsteps:\n  - isolate:\n      fallback: stop-after-capture\n');
    const run = await runCli(['contain', '--runbook', file, '--yes', '--evidence-dir', join(work, 'never')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ir: step 1 isolate has fallback: stop-after-capture, but no capture step runs after it/);
  });
});
