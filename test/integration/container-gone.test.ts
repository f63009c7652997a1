import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { contain } from '../../src/commands/contain.js';
import type { StepAnswer } from '../../src/ui/prompter.js';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { onlyIncidentDir, tempDir } from '../support/run-cli.js';

describe.skipIf(!inject('docker').ok)('a container removed by someone else mid-incident', () => {
  let guide: GuideContainer;
  let work: string;

  beforeEach(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_gone_value' });
    work = await tempDir('gone');
    await writeFile(join(work, 'runbook.yaml'),
      `name: gone\ntarget:\n  container: ${guide.name}\nsteps:\n  - isolate: {}\n  - capture: {}\n`);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await guide.remove();
    await rm(work, { recursive: true, force: true });
  });

  it('fails the step it happened in with the cause and the fix, in the journal and the trail', async () => {
    const asked: string[] = [];
    const prompter = {
      askStep: async (question: string): Promise<StepAnswer> => {
        asked.push(question);
        // Between isolate and capture, the container disappears.
        if (asked.length === 2) await new Docker().getContainer(guide.id).remove({ force: true });
        return 'run';
      },
      askSecret: async () => 'unused',
    };
    const code = await contain({
      runbookFile: join(work, 'runbook.yaml'), yes: false, json: false, evidenceDir: join(work, 'incidents'),
      forceTerminate: false,
    }, { interactive: true, prompter });

    expect(code).toBe(1);
    const dir = await onlyIncidentDir(join(work, 'incidents'));
    const journal = JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));
    expect(journal.steps[1]).toMatchObject({ kind: 'capture', state: 'failed', error: { code: 'CONTAINER_GONE',
      message: `the container is gone from the engine (No such container: ${guide.id})` } });
    const trail = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(trail.find((r) => r.event === 'step.failed')).toMatchObject({
      details: { step: 2, kind: 'capture', error: { code: 'CONTAINER_GONE', hint: expect.stringContaining('docker ps -a') } },
    });
  });
});
