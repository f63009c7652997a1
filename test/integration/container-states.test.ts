import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GUIDE_LINES, runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { TEST_IMAGE, uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir } from '../support/run-cli.js';

const docker = new Docker();
const STEPS = '  - isolate: {}\n  - capture: {}\n  - terminate:\n      stopTimeout: 2\n';

describe.skipIf(!inject('docker').ok)('containers already stopped, paused or restarting', () => {
  const guides: GuideContainer[] = [];
  const made: Docker.Container[] = [];
  const network = uniqueName('states-net');
  let work: string;

  beforeAll(async () => {
    work = await tempDir('states');
    await docker.createNetwork({ Name: network, Driver: 'bridge' });
  });

  afterAll(async () => {
    for (const guide of guides) await guide.remove();
    for (const container of made) await container.remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(network).remove().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  async function contain(target: string, steps: string, extra: string[] = []) {
    const name = uniqueName('run');
    const file = join(work, `${name}.yaml`);
    await writeFile(file, `name: states\ntarget:\n  container: ${target}\nsteps:\n${steps}`);
    const run = await runCli(['contain', '--runbook', file, '--yes', '--json', '--evidence-dir', join(work, name), ...extra]);
    const dir = await onlyIncidentDir(join(work, name));
    const trail = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    return { run, dir, summary: JSON.parse(run.stdout), events: trail.map((r) => `${r.event}:${r.outcome}`) };
  }

  async function guide(): Promise<GuideContainer> {
    const started = await runGuideContainer({ apiKey: `gsk_fake_${uniqueName('s')}` });
    guides.push(started);
    return started;
  }

  it('a stopped container: disconnected, captured without its (gone) tmpfs, removed', async () => {
    const stopped = await guide();
    await docker.getContainer(stopped.id).stop({ t: 0 });
    const { run, summary, events } = await contain(stopped.name, STEPS);

    expect(run.code, run.stderr).toBe(0);
    expect(summary.steps[0].summary).toBe(`disconnected from ${stopped.networks[0]}`);
    expect(events).toContain('docker.network.disconnect:succeeded');
    expect(summary.steps[1].warnings).toContainEqual(expect.stringMatching(/tmpfs mount \/app\/logs.*not running/));
    expect(summary.steps[2].summary).toBe('removed (it was already exited)');
    await expect(docker.getContainer(stopped.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a paused container: disconnected, its tmpfs read (let out briefly, then paused again), removed', async () => {
    const paused = await guide();
    await docker.getContainer(paused.id).pause();
    const { run, dir, summary, events } = await contain(paused.name, STEPS);

    expect(run.code, run.stderr).toBe(0);
    expect(summary.steps[0].summary).toBe(`disconnected from ${paused.networks[0]}`);
    const appLogs = await readFile(join(dir, 'evidence', paused.name, 'mounts', 'app-logs.tar'), 'latin1');
    expect(appLogs).toContain(GUIDE_LINES.appLog);
    expect(events.filter((e) => e === 'docker.container.unpause:succeeded').length)
      .toBe(events.filter((e) => e === 'docker.container.pause:succeeded').length);
    expect(summary.steps[2].summary).toBe('stopped and removed');
    await expect(docker.getContainer(paused.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('--restart always, restarting in a loop: the policy is cleared before the stop and it never comes back', async () => {
    const name = uniqueName('loop');
    const looping = await docker.createContainer({
      name, Image: TEST_IMAGE, Cmd: ['sh', '-c', 'sleep 0.3; exit 3'], HostConfig: { RestartPolicy: { Name: 'always' }, NetworkMode: network },
    });
    made.push(looping);
    await looping.start();
    while ((await looping.inspect()).RestartCount < 2) await delay(200);

    const { run, summary, events } = await contain(name, STEPS, ['--force-terminate', '--reason', 'restart loop test']);
    expect(summary.steps[2]).toMatchObject({ kind: 'terminate', outcome: 'succeeded' });
    // Capture races the loop (a part read while it restarts may fail); terminate must not.
    expect([0, 1], run.stdout).toContain(run.code);
    expect(summary.steps[1].error?.message ?? '').not.toMatch(/process list/);
    expect(events.indexOf('docker.container.update:succeeded')).toBeGreaterThan(-1);
    expect(events.indexOf('docker.container.update:succeeded')).toBeLessThan(events.indexOf('docker.container.remove:succeeded'));
    // The engine restarts a looping container within a second; give it several chances to come back.
    for (let look = 0; look < 10; look++) {
      expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
      await delay(300);
    }
  });

  it('--restart always, running: stopped, removed, and not started again by the engine', async () => {
    const name = uniqueName('always');
    const always = await docker.createContainer({
      name, Image: TEST_IMAGE, Cmd: ['sleep', '3600'], HostConfig: { RestartPolicy: { Name: 'always' }, NetworkMode: network },
    });
    made.push(always);
    await always.start();
    const { run, summary } = await contain(name, STEPS);
    expect(run.code, run.stderr).toBe(0);
    expect(summary.steps[2].summary).toBe('stopped and removed');
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  });
});
