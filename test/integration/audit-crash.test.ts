import { spawn } from 'node:child_process';
import { appendFile, cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, SLOW_CAPTURE_SCRIPT, type GuideContainer } from '../support/guide-container.js';
import { CLI, runCli, tempDir, writeContainRunbook } from '../support/run-cli.js';

/** Complete lines of the trail, as a crash leaves it. */
async function completeLines(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'audit.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').slice(0, -1);
}

/** Starts `ir contain` and SIGKILLs it as soon as the capture step's start is on disk. */
async function killMidCapture(args: string[], incidentDir: string): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    for (let waited = 0; waited < 30_000; waited += 20) {
      const lines = await completeLines(incidentDir);
      if (lines.some((line) => line.includes('"event":"step.started"') && line.includes('"kind":"capture"'))) break;
      await delay(20);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

describe.skipIf(!inject('docker').ok)('ir killed in the middle of a capture', () => {
  let guide: GuideContainer;
  let work: string;
  let incidentDir: string;

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_crash_value', script: SLOW_CAPTURE_SCRIPT });
    work = await tempDir('crash');
    await writeContainRunbook(work, guide.name);
    const caseId = `CRASH-${guide.name.slice(-8)}`;
    incidentDir = join(work, 'incidents', caseId);
    await killMidCapture(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json', '--case', caseId,
      '--evidence-dir', join(work, 'incidents')], incidentDir);
  }, 60_000);

  afterAll(async () => {
    await guide?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('was killed during the capture, before anything was sealed', async () => {
    const events = (await completeLines(incidentDir)).map((line) => JSON.parse(line).event as string);
    expect(events).toContain('step.started');
    expect(events).not.toContain('evidence.sealed');
    expect(events).not.toContain('audit.sealed');
  });

  it('is reported unsealed, not corrupt, with every complete record counted', async () => {
    const complete = (await completeLines(incidentDir)).length;
    const run = await runCli(['audit', 'verify', incidentDir, '--json']);
    expect(run.code, run.stderr).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'unsealed', records: complete, sealed: false });
    expect(JSON.parse(run.stdout).problem).toBeUndefined();
    const human = await runCli(['audit', 'verify', incidentDir]);
    expect(human.stdout).toMatch(new RegExp(`^UNSEALED: ${complete} complete records`));
  });

  it('stays unsealed when the crash also cut the last line mid-way', async () => {
    const copy = join(work, 'cut');
    await cp(incidentDir, copy, { recursive: true });
    const complete = (await completeLines(copy)).length;
    await appendFile(join(copy, 'audit.jsonl'), '{"seq":99,"time":"2026-12-');
    const run = await runCli(['audit', 'verify', copy, '--json']);
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'unsealed', records: complete, cutTail: true });
  });

  it('shows the timeline, and lists the incident as unfinished and unsealed', async () => {
    const show = await runCli(['audit', 'show', incidentDir]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/step\.started\s+started\s+step=2 kind=capture/);
    const list = await runCli(['incidents', 'list', '--evidence-dir', join(work, 'incidents'), '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ target: guide.name, outcome: 'unfinished', trail: 'unsealed' })]);
  });
});
