/**
 * The rotate-secret step end to end through the built CLI: what it records,
 * what it leaves for a person, what it warns about, and that no value it
 * handles shows anywhere outside the raw evidence.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';
import { createTestSecret, deleteTestSecret, secretValueAt, stagePending, stagesOf } from '../support/secrets.js';

const realParts = inject('docker').ok && inject('aws').ok;

type AuditRecord = { event: string; outcome: string; details: Record<string, unknown> };

/** The incident's files a person or a log collector sees, and `ir audit show` of it. */
async function readIncident(dir: string): Promise<{ texts: Record<string, string>; records: AuditRecord[] }> {
  const texts: Record<string, string> = {};
  for (const file of ['audit.jsonl', 'journal.json', 'manifest.json']) {
    texts[file] = await readFile(join(dir, file), 'utf8');
  }
  const show = await runCli(['audit', 'show', dir]);
  texts['audit show'] = show.stdout + show.stderr;
  const records = texts['audit.jsonl']!.trim().split('\n').map((line) => JSON.parse(line) as AuditRecord);
  return { texts, records };
}

function expectAbsent(texts: Record<string, string>, values: string[]): void {
  for (const [where, text] of Object.entries(texts)) {
    for (const value of values) expect(text.includes(value), `${where} contains a secret value`).toBe(false);
  }
}

describe.skipIf(!realParts)('ir contain rotating a JSON secret with a generated key', () => {
  const envValue = `gsk_cli_env_${uniqueName('v')}`;
  const dbValue = `db_cli_${uniqueName('v')}`;
  const oldKey = `gsk_cli_old_${uniqueName('v')}`;
  const secretId = `${uniqueName('cli')}/groq`;
  let guide: GuideContainer;
  let work: string;
  let run: CliRun;
  let dir: string;

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: envValue, env: [`DB_PASSWORD=${dbValue}`, 'LOG_LEVEL=debug'] });
    await createTestSecret(secretId, JSON.stringify({ api_key: oldKey, org: 'trading-desk' }));
    work = await tempDir('rotate-cli');
    await writeFile(join(work, 'runbook.yaml'), [
      'name: json', 'target:', `  container: ${guide.name}`, 'steps:', '  - isolate: {}', '  - capture: {}',
      '  - terminate:', '      stopTimeout: 1', '  - rotate-secret:', `      secretId: ${secretId}`,
      '      env: GROQ_API_KEY', '      key: api_key', '      strategy: generate', '      length: 40', '',
    ].join('\n'));
    run = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'incidents')]);
    dir = await onlyIncidentDir(join(work, 'incidents'));
  }, 180_000);

  afterAll(async () => {
    await guide?.remove();
    await deleteTestSecret(secretId);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('replaces only the named key, with a value of the runbook length', async () => {
    expect(run.code, run.stderr).toBe(0);
    const current = JSON.parse((await secretValueAt(secretId, 'AWSCURRENT'))!);
    expect(current).toEqual({ api_key: expect.stringMatching(/^[A-Za-z0-9]{40}$/), org: 'trading-desk' });
  });

  it('records ARN, versions, strategy, endpoint and caller, and the token in the journal first', async () => {
    const { records, texts } = await readIncident(dir);
    const rotation = records.find((r) => r.event === 'aws.secretsmanager.rotate')!;
    expect(rotation.details).toMatchObject({
      arn: expect.stringContaining(secretId), strategy: 'generate', previousVersionId: expect.any(String),
      newVersionId: expect.any(String), endpoint: process.env.AWS_ENDPOINT_URL, callerArn: expect.stringMatching(/^arn:aws:/),
    });
    const journal = JSON.parse(texts['journal.json']!);
    expect(journal.rotations[secretId]).toEqual({
      store: 'aws', strategy: 'generate', clientRequestToken: rotation.details.newVersionId,
    });
  });

  it('warns after capture about a secret-looking variable no step rotates, by name only', async () => {
    const summary = JSON.parse(run.stdout);
    const captureStep = summary.steps.find((s: { kind: string }) => s.kind === 'capture');
    expect(captureStep.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^the container held DB_PASSWORD, which looks secret/)]));
    const { records } = await readIncident(dir);
    expect(records.find((r) => r.event === 'secrets.uncovered')?.details).toEqual({
      variables: ['DB_PASSWORD'], covered: ['GROQ_API_KEY'],
    });
  });

  it('ends with what is left for a person: revoke the old key, redeploy consumers', async () => {
    const rotateStep = JSON.parse(run.stdout).steps.find((s: { kind: string }) => s.kind === 'rotate-secret');
    expect(rotateStep.followUps).toEqual([
      expect.stringMatching(/^revoke the old credential of .* at its provider/),
      expect.stringMatching(/^redeploy the consumers of .* \(they read it as GROQ_API_KEY\)/),
    ]);
    const { records } = await readIncident(dir);
    const finished = records.find((r) => r.event === 'incident.finished')!;
    expect(finished.details.remaining).toEqual(expect.arrayContaining([expect.stringMatching(/^rotate DB_PASSWORD: burned/),
      ...rotateStep.followUps]));
  });

  it('shows no value, old or new, outside the raw evidence', async () => {
    const generated = JSON.parse((await secretValueAt(secretId, 'AWSCURRENT'))!).api_key as string;
    const { texts } = await readIncident(dir);
    expectAbsent({ ...texts, stdout: run.stdout, stderr: run.stderr }, [envValue, dbValue, oldKey, generated]);
  });
});

describe.skipIf(!realParts)('ir contain at a rotation left half-done', () => {
  const supplied = `gsk_cli_supplied_${uniqueName('v')}`;
  const secretId = `${uniqueName('half')}/groq`;
  const stale = randomUUID();
  let work: string;
  let first: string;
  let stopped: CliRun;
  let cleared: CliRun;

  const contain = (extra: string[]) => runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes',
    '--json', '--evidence-dir', join(work, `incidents-${extra.length}`), '--secret-value-file', '-', ...extra],
  {}, `${supplied}\n`);

  beforeAll(async () => {
    first = await createTestSecret(secretId, 'half-old-value');
    await stagePending(secretId, 'half-stale-value', stale);
    work = await tempDir('half-cli');
    await writeFile(join(work, 'runbook.yaml'), ['name: half', 'target:', `  container: ${uniqueName('gone')}`,
      'steps:', '  - rotate-secret:', `      secretId: ${secretId}`, '      strategy: supply', ''].join('\n'));
    stopped = await contain([]);
    cleared = await contain(['--clear-stale-pending']);
  }, 120_000);

  afterAll(async () => {
    await deleteTestSecret(secretId);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('stops before acting and explains the choices', async () => {
    expect(stopped.code).toBe(1);
    const step = JSON.parse(stopped.stdout).steps[0];
    expect(step.error).toMatchObject({ code: 'ROTATION_HALF_DONE', message: expect.stringContaining(stale),
      hint: expect.stringMatching(/rotation function|by hand/) });
    expect(step.error.hint).toContain('--clear-stale-pending');
  });

  it('with --clear-stale-pending clears the label (audited) and rotates from standard input', async () => {
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(await secretValueAt(secretId, 'AWSCURRENT')).toBe(supplied);
    const stages = await stagesOf(secretId);
    expect(stages[first]).toEqual(['AWSPREVIOUS']);
    expect(stages[stale]).toBeUndefined();
    const dir = await onlyIncidentDir(join(work, 'incidents-1'));
    const { records, texts } = await readIncident(dir);
    const clearing = records.find((r) => r.event === 'aws.secretsmanager.update-version-stage' &&
      r.details.removeFromVersionId === stale && r.details.stage === 'AWSPENDING');
    expect(clearing?.outcome).toBe('succeeded');
    expectAbsent({ ...texts, stdout: cleared.stdout + stopped.stdout, stderr: cleared.stderr + stopped.stderr },
      [supplied, 'half-old-value', 'half-stale-value']);
  });
});
