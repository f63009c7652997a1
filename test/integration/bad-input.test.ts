import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { runGuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir } from '../support/run-cli.js';
import { createTestSecret, deleteTestSecret, secretValueAt } from '../support/secrets.js';

let work: string;
beforeEach(async () => {
  work = await tempDir('bad');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs `ir contain` in scripted mode with its evidence under this test's directory. */
function contain(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(['contain', ...args, '--yes', '--evidence-dir', join(work, 'incidents')], env);
}

async function runbookFile(text: string): Promise<string> {
  const file = join(work, 'runbook.yaml');
  await writeFile(file, text);
  return file;
}

/** One line of error, and not a single file written. */
async function expectRefusedUntouched(run: { code: number; stderr: string }, code: number, message: RegExp) {
  expect(run.code).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines[0]).toMatch(new RegExp(`^ir: ${message.source}`));
  expect(lines.slice(1).every((line) => line.startsWith('  hint: '))).toBe(true);
  await expect(readdir(join(work, 'incidents'))).rejects.toMatchObject({ code: 'ENOENT' });
}

describe('bad input is refused before anything is touched', () => {
  it('an unknown runbook name, as JSON too when JSON was asked for', async () => {
    await expectRefusedUntouched(await contain(['no-such-runbook']), 2, /no runbook named 'no-such-runbook'/);
    const run = await contain(['no-such-runbook', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'RUNBOOK_NOT_FOUND' } });
  });

  it('a runbook with an unknown step, naming file and line', async () => {
    const file = await runbookFile('name: x\ntarget:\n  container: x\nsteps:\n  - isolate: {}\n  - quarantine: {}\n');
    await expectRefusedUntouched(await contain(['--runbook', file]), 2, new RegExp(`invalid runbook ${file}:6: unknown step kind 'quarantine'`));
  });

  it('no terminal and no --yes', async () => {
    const run = await runCli(['contain', 'autotrader', '--evidence-dir', join(work, 'incidents')]);
    await expectRefusedUntouched(run, 5, /no terminal to ask for confirmation/);
  });

  it("a 'supply' rotation with no value and no terminal to ask at", async () => {
    await expectRefusedUntouched(await contain(['autotrader']), 2, /a rotate-secret step uses strategy 'supply' but no new value/);
  });

  it('a secret value file for a rotation that would not use it', async () => {
    const file = await runbookFile('name: x\ntarget:\n  container: x\nsteps:\n  - rotate-secret:\n      secretId: a/b\n');
    await writeFile(join(work, 'value'), 'new-value\n');
    const run = await contain(['--runbook', file, '--secret-value-file', join(work, 'value')]);
    await expectRefusedUntouched(run, 2, /--secret-value-file was given but no rotate-secret step uses strategy 'supply'/);
  });

  it.each([
    ['not valid UTF-8', Buffer.from([0x6b, 0x65, 0x79, 0xff, 0xfe, 0x0a]), /is not valid UTF-8 text/],
    ['a NUL character', Buffer.from('key\0tail\n'), /holds a NUL character/],
  ])('a secret value file holding %s, refused rather than changed', async (_what, bytes, message) => {
    await writeFile(join(work, 'value'), bytes);
    const run = await contain(['autotrader', '--secret-value-file', join(work, 'value')]);
    await expectRefusedUntouched(run, 2, new RegExp(`--secret-value-file \\S+ ${message.source}`));
    expect(run.stderr).toMatch(/\n {2}hint: write the credential as UTF-8 text/);
  });

  it('a secret value file that does not exist, with a hint', async () => {
    const run = await contain(['autotrader', '--secret-value-file', join(work, 'absent')]);
    await expectRefusedUntouched(run, 2, /cannot read --secret-value-file \S+absent: ENOENT/);
    expect(run.stderr).toMatch(/\n {2}hint: check the path: the file does not exist/);
  });

  it('an override reason without the override, and an empty case id', async () => {
    await expectRefusedUntouched(await contain(['container', '--reason', 'why']), 2, /--reason goes with --force-terminate/);
    await expectRefusedUntouched(await contain(['container', '--case', '']), 2, /case id '' cannot name a directory/);
  });

  it('no Docker engine reachable', async () => {
    const run = await contain(['container'], { DOCKER_HOST: `unix://${work}/no-engine.sock` });
    await expectRefusedUntouched(run, 3, /no Docker engine reachable at unix:\/\/.*no-engine\.sock: the socket does not exist \(ENOENT\)/);
  });

  it.skipIf(!inject('docker').ok)('a container that does not exist', async () => {
    const run = await contain(['container', '--target', uniqueName('missing')]);
    await expectRefusedUntouched(run, 2, /no container named or with id 'ir-test-missing-\w+'/);
  });
});

describe.skipIf(!inject('docker').ok || !inject('aws').ok)('a secret that does not exist', () => {
  it('runs the earlier steps, fails rotation, and says exactly which steps ran', async () => {
    const apiKey = `gsk_fake_${uniqueName('k')}`;
    const secretId = uniqueName('absent');
    const guide = await runGuideContainer({ apiKey });
    try {
      const runbook = (await readFile('runbooks/autotrader.yaml', 'utf8'))
        .replace('container: autotrader', `container: ${guide.name}`)
        .replace('secretId: autotrader/groq-key', `secretId: ${secretId}`)
        .replace('strategy: supply', 'strategy: generate');
      const file = await runbookFile(runbook);
      const run = await contain(['--runbook', file, '--json']);
      expect(run.code).toBe(1);
      const summary = JSON.parse(run.stdout);
      expect(summary.outcome).toBe('failed');
      expect(summary.steps.map((s: { outcome: string }) => s.outcome)).toEqual([
        'succeeded', 'succeeded', 'succeeded', 'failed',
      ]);
      expect(summary.steps[3].error.code).toBe('SECRET_NOT_FOUND');
      const incidentDir = await onlyIncidentDir(join(work, 'incidents'));
      const notRotated = `the secret behind GROQ_API_KEY (${secretId}) is NOT rotated: revoke the old key at its ` +
        `issuer all the same, then finish the rotation with ir resume ${incidentDir}`;
      expect(summary.remaining).toContain(notRotated);
      expect(summary.steps[3].error.hint).toBe("check the runbook's secretId and AWS_REGION, then finish it " +
        `in this incident: ir resume ${incidentDir}`);

      const trail = await readFile(join(await onlyIncidentDir(join(work, 'incidents')), 'audit.jsonl'), 'utf8');
      const records = trail.trim().split('\n').map((line) => JSON.parse(line));
      const stepEvents = records.filter((r) => r.event.startsWith('step.')).map((r) => `${r.event}:${r.details.kind}`);
      expect(stepEvents).toEqual([
        'step.started:isolate', 'step.finished:isolate', 'step.started:capture', 'step.finished:capture',
        'step.started:terminate', 'step.finished:terminate', 'step.started:rotate-secret', 'step.failed:rotate-secret',
      ]);
      expect(records.at(-2)).toMatchObject({ event: 'incident.finished', details: { outcome: 'failed' } });
      expect(records.at(-2).details.remaining).toContain(notRotated);
      expect(records.at(-1)).toMatchObject({ event: 'audit.sealed' });
      expect(run.stdout + run.stderr + trail).not.toContain(apiKey);

      // Once the secret exists, the rotation alone can be finished though the container is gone.
      await createTestSecret(secretId, apiKey);
      const retry = await runCli(['contain', '--runbook', file, '--steps', 'rotate-secret', '--yes', '--json',
        '--evidence-dir', join(work, 'retry')]);
      expect(retry.code, retry.stderr).toBe(0);
      expect(JSON.parse(retry.stdout).steps).toEqual([expect.objectContaining({ kind: 'rotate-secret', outcome: 'succeeded' })]);
      expect(await secretValueAt(secretId, 'AWSPREVIOUS')).toBe(apiKey);
    } finally {
      await guide.remove();
      await deleteTestSecret(secretId);
    }
  });
});
