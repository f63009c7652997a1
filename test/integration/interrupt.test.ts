import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readJournal, startCli, trailRecords, waitUntil, type CliChild } from '../support/cli-child.js';
import { runGuideContainer, SLOW_CAPTURE_SCRIPT, type GuideContainer } from '../support/guide-container.js';
import { runCli, tempDir, writeContainRunbook } from '../support/run-cli.js';

interface Interrupted {
  guide: GuideContainer;
  dir: string;
  run: { code: number; stdout: string; stderr: string };
}

/** Starts ir contain, sends SIGINT as the capture starts, and again after ir said it is stopping if `twice`. */
async function interruptCapture(work: string, caseId: string, twice: boolean): Promise<Interrupted> {
  const guide = await runGuideContainer({ apiKey: 'gsk_fake_interrupt_value', script: SLOW_CAPTURE_SCRIPT });
  await mkdir(join(work, caseId));
  const runbook = await writeContainRunbook(join(work, caseId), guide.name);
  const dir = join(work, 'incidents', caseId);
  const child: CliChild = startCli(['contain', '--runbook', runbook, '--yes', '--case', caseId,
    '--evidence-dir', join(work, 'incidents')]);
  await waitUntil(async () => (await readJournal(dir).catch(() => undefined))?.steps[1]?.state === 'running', child);
  child.signal('SIGINT');
  if (twice) {
    await child.waitForStderr(/stopping after the current step/);
    child.signal('SIGINT');
  }
  return { guide, dir, run: await child.done };
}

async function resume(dir: string) {
  return runCli(['resume', dir, '--yes', '--json']);
}

describe.skipIf(!inject('docker').ok)('Ctrl-C during a containment', () => {
  let work: string;
  let once: Interrupted;
  let twice: Interrupted;

  beforeAll(async () => {
    work = await tempDir('interrupt');
    once = await interruptCapture(work, 'CTRL-C-ONCE', false);
    twice = await interruptCapture(work, 'CTRL-C-TWICE', true);
  }, 240_000);

  afterAll(async () => {
    await once?.guide.remove();
    await twice?.guide.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('first press: finishes the step in hand, records aborted, says how to resume, exits 130', async () => {
    expect(once.run.code, once.run.stderr).toBe(130);
    expect(once.run.stderr).toContain(`Resume with: ir resume ${once.dir}`);
    const journal = await readJournal(once.dir);
    expect(journal.steps.map((step) => step.state)).toEqual(['done', 'done', 'not-run']);
    const events = (await trailRecords(once.dir)).map((record) => record.event);
    expect(events.at(-1)).toBe('incident.aborted');
    expect((await new Docker().getContainer(once.guide.id).inspect()).State.Running).toBe(true);
    const verify = await runCli(['audit', 'verify', once.dir, '--json']);
    expect(verify.code).toBe(4);
    expect(JSON.parse(verify.stdout)).toMatchObject({ verdict: 'unsealed', cutTail: false });
  });

  it('second press: stops in the step, with the journal and trail on disk and consistent, exits 130', async () => {
    expect(twice.run.code, twice.run.stderr).toBe(130);
    expect(twice.run.stderr).toContain(`ir resume ${twice.dir}`);
    const journal = await readJournal(twice.dir);
    expect(journal.steps[1]).toMatchObject({ kind: 'capture', state: 'failed', error: { code: 'INTERRUPTED' } });
    expect(journal.steps[2]!.state).toBe('pending');
    const last = (await trailRecords(twice.dir)).at(-1)!;
    expect(last).toMatchObject({ event: 'incident.interrupted', details: { signal: 'SIGINT', step: 2 } });
    const verify = await runCli(['audit', 'verify', twice.dir, '--json']);
    expect(JSON.parse(verify.stdout)).toMatchObject({ verdict: 'unsealed', cutTail: false });
  });

  it('either way, ir resume completes the incident and both verifications pass', async () => {
    for (const { dir, guide } of [once, twice]) {
      const resumed = await resume(dir);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout).steps.map((step: { outcome: string }) => step.outcome))
        .toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect((await runCli(['audit', 'verify', dir])).code).toBe(0);
      const evidence = await runCli(['evidence', 'verify', dir]);
      expect(evidence.code, evidence.stdout).toBe(0);
      await expect(new Docker().getContainer(guide.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    }
    const manifest = JSON.parse(await readFile(join(twice.dir, 'manifest.json'), 'utf8'));
    expect(manifest.complete).toBe(true);
  });
});
