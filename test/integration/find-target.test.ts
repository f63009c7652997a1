import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_IMAGE, uniqueName } from '../support/names.js';
import { runCli, tempDir } from '../support/run-cli.js';

const docker = new Docker();

/** Creates stopped containers until two of them share the first hex digit of their ids. */
async function twoSharingAPrefix(made: Docker.Container[]): Promise<[string, string]> {
  const byFirst = new Map<string, string>();
  for (;;) {
    const container = await docker.createContainer({ name: uniqueName('target'), Image: TEST_IMAGE, Cmd: ['true'] });
    made.push(container);
    const other = byFirst.get(container.id[0]!);
    if (other) return [other, container.id];
    byFirst.set(container.id[0]!, container.id);
  }
}

describe.skipIf(!inject('docker').ok)('targets given the way alerts give them', () => {
  const made: Docker.Container[] = [];
  let work: string;

  beforeAll(async () => {
    work = await tempDir('target');
  });

  afterAll(async () => {
    for (const container of made) await container.remove({ force: true }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  async function containOnly(target: string) {
    const file = join(work, 'isolate.yaml');
    await writeFile(file, 'name: isolate-only\ntarget:\n  container: unused\nsteps:\n  - isolate: {}\n');
    return runCli(['contain', '--runbook', file, '--target', target, '--yes', '--json',
      '--evidence-dir', join(work, 'incidents')]);
  }

  it('acts on the container a short id or a docker:// id names', async () => {
    const [id] = await twoSharingAPrefix(made);
    for (const target of [id.slice(0, 12), `docker://${id}`]) {
      const run = await containOnly(target);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).target.id).toBe(id);
    }
  });

  it('refuses a short id that two containers share, listing both', async () => {
    const [first, second] = await twoSharingAPrefix(made);
    const run = await containOnly(first[0]!);
    expect(run.code).toBe(2);
    const line = run.stderr.split('\n')[0]!;
    expect(line).toMatch(new RegExp(`^ir: target '${first[0]}' matches \\d+ containers: `));
    for (const id of [first, second]) {
      const { Name } = await docker.getContainer(id).inspect();
      expect(line).toContain(`${Name.slice(1)} (${id.slice(0, 12)})`);
    }
    expect(run.stderr).toContain('hint: give the full container id');
  });
});
