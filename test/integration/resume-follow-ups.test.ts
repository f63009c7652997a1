/**
 * A resumed incident lists every follow-up its earlier run produced: a
 * variable capture found uncovered, and the to-dos of steps done before the
 * resume, not only those of the steps the resume ran itself.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';
import { createTestSecret, deleteTestSecret } from '../support/secrets.js';

const realParts = inject('docker').ok && inject('aws').ok;
const UNCOVERED = 'rotate DB_PASSWORD: burned with the container, and not rotated by this runbook';

describe.skipIf(!realParts)('ir resume after a rotation that failed', () => {
  const secretId = `${uniqueName('later')}/groq`;
  let guide: GuideContainer;
  let work: string;
  let first: CliRun;
  let resumed: CliRun;
  let dir: string;

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: `gsk_${uniqueName('v')}`, env: [`DB_PASSWORD=${uniqueName('db')}`] });
    work = await tempDir('resume-follow-ups');
    await writeFile(join(work, 'runbook.yaml'), [
      'name: later', 'target:', `  container: ${guide.name}`, 'steps:', '  - isolate: {}', '  - capture: {}',
      '  - terminate:', '      stopTimeout: 1', '  - rotate-secret:', `      secretId: ${secretId}`,
      '      env: GROQ_API_KEY', '      strategy: generate', '',
    ].join('\n'));
    const incidents = join(work, 'incidents');
    first = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', incidents]);
    dir = await onlyIncidentDir(incidents);
    await createTestSecret(secretId, 'burned-initial-value');
    resumed = await runCli(['resume', dir, '--yes', '--json']);
  }, 180_000);

  afterAll(async () => {
    await guide?.remove();
    await deleteTestSecret(secretId);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('first fails the rotation, with the uncovered variable among the follow-ups', () => {
    expect(first.code).toBe(1);
    expect(JSON.parse(first.stdout).remaining).toContain(UNCOVERED);
  });

  it('still lists the uncovered variable once the resume finished the rotation', async () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.steps.map((step: { outcome: string }) => step.outcome))
      .toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const records = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const finished = records.filter((record) => record.event === 'incident.finished').at(-1);
    expect(finished.details.remaining).toContain(UNCOVERED);
    expect(summary.remaining).toEqual(finished.details.remaining);
    expect(summary.remaining.some((item: string) => /NOT rotated/.test(item))).toBe(false);
  });
});
