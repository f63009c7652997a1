import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { contain, type ContainOptions } from '../../src/commands/contain.js';
import type { StepAnswer } from '../../src/ui/prompter.js';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { onlyIncidentDir, tempDir } from '../support/run-cli.js';

const RUNBOOK = (container: string) => `name: choices
target:
  container: ${container}
steps:
  - isolate: {}
  - capture: {}
  - terminate:
      stopTimeout: 1
`;

describe.skipIf(!inject('docker').ok)('operator choices and the evidence-first rule', () => {
  let guide: GuideContainer;
  let work: string;

  beforeEach(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_choices_value' });
    work = await tempDir('choices');
    await writeFile(join(work, 'runbook.yaml'), RUNBOOK(guide.name));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await guide.remove();
    await rm(work, { recursive: true, force: true });
  });

  function options(extra: Partial<ContainOptions> = {}): ContainOptions {
    return {
      runbookFile: join(work, 'runbook.yaml'), yes: false, json: false, evidenceDir: join(work, 'incidents'),
      forceTerminate: false, ...extra,
    };
  }

  function answering(...answers: StepAnswer[]) {
    return {
      interactive: true,
      prompter: { askStep: async () => answers.shift() ?? 'abort', askSecret: async () => 'unused' },
    };
  }

  async function trail() {
    const text = await readFile(join(await onlyIncidentDir(join(work, 'incidents')), 'audit.jsonl'), 'utf8');
    return text.trim().split('\n').map((line) => JSON.parse(line));
  }

  const stillExists = () => new Docker().getContainer(guide.id).inspect().then(() => true, () => false);

  it('refuses to terminate when the operator skipped capture', async () => {
    // Isolated but terminate refused: partly contained.
    expect(await contain(options(), answering('run', 'skip', 'run'))).toBe(6);
    expect(await stillExists()).toBe(true);
    const records = await trail();
    expect(records.filter((r) => r.event === 'operator.decision').map((r) => r.details.answer)).toEqual(['run', 'skip', 'run']);
    expect(records.find((r) => r.event === 'step.failed')).toMatchObject({
      details: { kind: 'terminate', error: { code: 'EVIDENCE_FIRST' } },
    });
  });

  it('terminates without capture only with an audited reason', async () => {
    const code = await contain(options({ forceTerminate: true, reason: 'capture hangs on this host' }), answering('run', 'skip', 'run'));
    expect(code).toBe(0);
    expect(await stillExists()).toBe(false);
    expect((await trail()).find((r) => r.event === 'override.evidence-first')).toMatchObject({
      details: { reason: 'capture hangs on this host' },
    });
  });

  it('names a container removed by someone else mid-incident, in the step, journal and trail', async () => {
    const prompter = answering('run', 'run', 'run');
    const askStep = prompter.prompter.askStep;
    let asked = 0;
    // Between isolate and capture, the container disappears.
    prompter.prompter.askStep = async () => {
      if (++asked === 2) await new Docker().getContainer(guide.id).remove({ force: true });
      return askStep();
    };
    expect(await contain(options(), prompter)).toBe(1);
    const dir = await onlyIncidentDir(join(work, 'incidents'));
    const journal = JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));
    expect(journal.steps[1]).toMatchObject({ kind: 'capture', state: 'failed', error: { code: 'CONTAINER_GONE',
      message: `the container is gone from the engine (No such container: ${guide.id})` } });
    expect(journal.steps[2]).toMatchObject({ kind: 'terminate', state: 'done' });
    expect((await trail()).find((r) => r.event === 'step.failed')).toMatchObject({ details: {
      step: 2, kind: 'capture', error: { code: 'CONTAINER_GONE', hint: expect.stringContaining('docker ps -a') },
    } });
  });

  it('stops at abort, leaving later steps not run and the container in place', async () => {
    expect(await contain(options(), answering('run', 'abort'))).toBe(130);
    expect(await stillExists()).toBe(true);
    const records = await trail();
    expect(records.filter((r) => r.event === 'step.not-run').map((r) => r.details.kind)).toEqual(['capture', 'terminate']);
    expect(records.some((r) => r.event === 'step.skipped')).toBe(false);
    expect(records.at(-2)).toMatchObject({ event: 'incident.finished', details: { outcome: 'aborted' } });
    expect(records.at(-1)).toMatchObject({ event: 'audit.sealed' });
  });
});
