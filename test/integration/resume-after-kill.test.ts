import { appendFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readJournal, startCli, trailRecords, waitUntil } from '../support/cli-child.js';
import { runGuideContainer, SLOW_CAPTURE_SCRIPT, type GuideContainer } from '../support/guide-container.js';
import { runCli, tempDir, writeContainRunbook } from '../support/run-cli.js';

const API_KEY = 'gsk_fake_resume_after_kill_value';

describe.skipIf(!inject('docker').ok)('ir SIGKILLed during capture, then resumed', () => {
  let guide: GuideContainer;
  let work: string;
  let dir: string;
  let before: string;
  let resumed: { code: number; stdout: string; stderr: string };
  let changed: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: API_KEY, script: SLOW_CAPTURE_SCRIPT });
    work = await tempDir('resume-kill');
    const runbook = await writeContainRunbook(work, guide.name);
    dir = join(work, 'incidents', 'KILLED-1');
    const child = startCli(['contain', '--runbook', runbook, '--yes', '--case', 'KILLED-1',
      '--evidence-dir', join(work, 'incidents')]);
    // Killed once the journal says capture is running and its first file is on disk: mid-capture.
    const inspect = join(dir, 'evidence', guide.name, 'inspect.json');
    await waitUntil(async () => (await readJournal(dir).catch(() => undefined))?.steps[1]?.state === 'running' &&
      (await stat(inspect).then(() => true, () => false)), child);
    child.signal('SIGKILL');
    await child.done;
    // A crash in the middle of a write leaves half a line; resume must not drop it silently.
    await appendFile(join(dir, 'audit.jsonl'), '{"seq":999,"time":"2026-12-');
    before = await readFile(join(dir, 'audit.jsonl'), 'utf8');
    const original = await readFile(runbook, 'utf8');
    await writeFile(runbook, original.replace('- terminate: {}', '- terminate: { stopTimeout: 1 }'));
    changed = await runCli(['resume', 'KILLED-1', '--evidence-dir', join(work, 'incidents'), '--yes']);
    await writeFile(runbook, original);
    resumed = await runCli(['resume', 'KILLED-1', '--evidence-dir', join(work, 'incidents'), '--yes', '--json']);
  }, 180_000);

  afterAll(async () => {
    await guide?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses while the runbook says something else than when the incident began, naming the step', () => {
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/cannot resume: step 3 of .*runbook\.yaml changed since the incident began/);
  });

  it('completes the incident: isolate kept from before, capture retried, terminate run', async () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.outcome).toBe('succeeded');
    expect(summary.steps.map((step: { outcome: string }) => step.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(summary.steps[0].summary).toMatch(/before the resume/);
    const journal = await readJournal(dir);
    expect(journal.steps.map((step) => step.state)).toEqual(['done', 'done', 'done']);
    expect(journal.steps[1]!.attempts).toBe(2);
    await expect(new Docker().getContainer(guide.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('continues the same chain, recording the cut line, the stale lock and the resume', async () => {
    const after = await readFile(join(dir, 'audit.jsonl'), 'utf8');
    const kept = before.slice(0, before.lastIndexOf('\n') + 1);
    expect(after.startsWith(kept)).toBe(true);
    const events = (await trailRecords(dir)).map((record) => record.event);
    expect(events.filter((event) => event === 'incident.started')).toHaveLength(1);
    const records = await trailRecords(dir);
    const cut = records.find((record) => record.event === 'audit.cut-line-removed');
    expect(cut?.details).toMatchObject({ text: '{"seq":999,"time":"2026-12-', bytes: 27 });
    expect(events).toContain('incident.resumed');
    expect(records.find((record) => record.event === 'lock.taken-over')?.details)
      .toMatchObject({ staleHolder: { incident: 'KILLED-1' } });
    expect(events.at(-1)).toBe('audit.sealed');
  });

  it('passes ir audit verify and ir evidence verify', async () => {
    const audit = await runCli(['audit', 'verify', dir]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    const evidence = await runCli(['evidence', 'verify', dir, '--json']);
    expect(evidence.code, evidence.stdout + evidence.stderr).toBe(0);
    // The killed run's room on the disk is given back, not left as 256 KiB of noise in the evidence.
    expect((await readdir(dir)).filter((name) => name.startsWith('disk-reserve.'))).toEqual([]);
  });

  it('keeps what the killed capture wrote, aside and marked partial, and captures afresh', async () => {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    const aside = manifest.items.filter((item: { path: string }) => item.path.includes('/interrupted-1/'));
    expect(aside.length).toBeGreaterThan(0);
    expect(aside.every((item: { partial?: boolean; replacedBy?: string }) => item.partial && item.replacedBy)).toBe(true);
    const fresh = manifest.items.find((item: { path: string }) => item.path.endsWith(`${guide.name}/inspect.json`));
    expect(fresh?.partial).toBeUndefined();
    expect(manifest.captured).toBe(true);
    expect(manifest.complete).toBe(true);
  });

  it('never writes the container secret into the trail, journal or output', async () => {
    for (const file of ['audit.jsonl', 'journal.json', 'manifest.json']) {
      expect(await readFile(join(dir, file), 'utf8')).not.toContain(API_KEY);
    }
    expect(resumed.stdout + resumed.stderr).not.toContain(API_KEY);
  });

  it('refuses to resume a finished incident', async () => {
    const again = await runCli(['resume', dir, '--yes']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/has finished with every step done: nothing to resume/);
  });
});
