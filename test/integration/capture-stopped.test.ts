import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { containGuide, type GuideContainment } from '../support/contain-guide.js';
import type { CliRun } from '../support/run-cli.js';

const API_KEY = 'gsk_fake_stopped_container_key';

describe.skipIf(!inject('docker').ok)('capturing a container that has already stopped', () => {
  let contained: GuideContainment;
  let run: CliRun;
  let incidentDir: string;
  let manifest: { target: Record<string, string>; items: { path: string }[]; missing: { what: string; reason: string }[] };

  beforeAll(async () => {
    contained = await containGuide('stopped', {
      apiKey: API_KEY,
      prepare: (guide) => new Docker().getContainer(guide.id).stop({ t: 0 }),
      // An operator name with the key in it, as a careless paste would give.
      args: ['--operator', `oncall ${API_KEY}`],
    });
    ({ run, incidentDir } = contained);
    manifest = JSON.parse(await readFile(join(incidentDir, 'manifest.json'), 'utf8'));
  });

  afterAll(async () => {
    await contained?.remove();
  });

  it('lists resource use, processes and every tmpfs as missing instead of writing empty readings', () => {
    const missing = Object.fromEntries(manifest.missing.map((gap) => [gap.what, gap.reason]));
    expect(missing['resource use']).toMatch(/exited: it has no resource use/);
    expect(missing['process list']).toMatch(/no processes/);
    for (const tmpfs of ['/tmp', '/app/logs', '/dev/shm']) {
      expect(missing[`tmpfs mount ${tmpfs}`]).toMatch(/already gone/);
    }
    const names = manifest.items.map((item) => item.path.split('/').pop());
    expect(names).not.toContain('stats.json');
    expect(names).not.toContain('top.json');
  });

  it('names the image by its content id, not only by a tag that can move', async () => {
    const image = (await new Docker().getImage(manifest.target.image!).inspect()).Id;
    expect(manifest.target.imageId).toBe(image);
  });

  it('keeps the key out of the operator name in every record and the manifest', async () => {
    expect(run.code, run.stderr).toBe(0);
    const trail = await readFile(join(incidentDir, 'audit.jsonl'), 'utf8');
    expect(trail).toContain('"operator":"oncall [REDACTED]"');
    expect(trail).not.toContain(API_KEY);
    expect(JSON.stringify(manifest)).not.toContain(API_KEY);
  });
});
