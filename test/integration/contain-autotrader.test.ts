import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GUIDE_LINES, runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';
import { createTestSecret, deleteTestSecret, secretValueAt } from '../support/secrets.js';

const realParts = inject('docker').ok && inject('aws').ok;

describe.skipIf(!realParts)('ir contain on a container run as the security guide runs it', () => {
  const oldKey = `gsk_fake_old_${uniqueName('key')}`;
  const newKey = `gsk_fake_new_${uniqueName('key')}`;
  const secretId = `${uniqueName('autotrader')}/groq-key`;
  let guide: GuideContainer;
  let work: string;
  let run: CliRun;
  let incidentDir: string;
  let audit: { event: string; details: Record<string, unknown> }[];

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: oldKey, networkCount: 2 });
    await createTestSecret(secretId, oldKey);
    work = await tempDir('contain');
    const runbook = (await readFile('runbooks/autotrader.yaml', 'utf8'))
      .replace('container: autotrader', `container: ${guide.name}`)
      .replace('secretId: autotrader/groq-key', `secretId: ${secretId}`);
    await writeFile(join(work, 'runbook.yaml'), runbook);
    await writeFile(join(work, 'new-key'), `${newKey}\n`);
    run = await runCli([
      'contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'incidents'), '--secret-value-file', join(work, 'new-key'),
    ]);
    incidentDir = await onlyIncidentDir(join(work, 'incidents'));
    audit = (await readFile(join(incidentDir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
  }, 120_000);

  afterAll(async () => {
    await guide?.remove();
    await deleteTestSecret(secretId);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('succeeds and reports every step in its JSON summary', () => {
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.directory).toBe(incidentDir);
    expect(summary.steps.map((s: { kind: string; outcome: string }) => `${s.kind}:${s.outcome}`)).toEqual([
      'isolate:succeeded', 'capture:succeeded', 'terminate:succeeded', 'rotate-secret:succeeded',
    ]);
    expect(summary.evidence.complete).toBe(true);
  });

  it('disconnects every network before capture begins', () => {
    const disconnects = audit.flatMap((r, i) => (r.event === 'docker.network.disconnect' ? [i] : []));
    const captureStart = audit.findIndex((r) => r.event === 'step.started' && r.details.kind === 'capture');
    expect(disconnects).toHaveLength(2);
    expect(Math.max(...disconnects)).toBeLessThan(captureStart);
    const networks = disconnects.map((i) => audit[i]!.details.network).sort();
    expect(networks).toEqual([...guide.networks].sort());
  });

  it('writes hashes that sha256sum -c accepts', async () => {
    const { stdout } = await promisify(execFile)('sha256sum', ['-c', 'SHA256SUMS'], { cwd: incidentDir });
    expect(stdout).toContain('filesystem.tar: OK');
    expect(stdout).not.toMatch(/FAILED/);
  });

  it('keeps stdout and stderr apart, and gets the tmpfs contents out before removal', async () => {
    const evidence = join(incidentDir, 'evidence', guide.name);
    const stdoutLog = await readFile(join(evidence, 'logs', 'stdout.log'), 'utf8');
    const stderrLog = await readFile(join(evidence, 'logs', 'stderr.log'), 'utf8');
    expect(stdoutLog).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z ${GUIDE_LINES.stdout}$`, 'm'));
    expect(stdoutLog).not.toContain(GUIDE_LINES.stderr);
    expect(stderrLog).toContain(GUIDE_LINES.stderr);
    expect(stderrLog).not.toContain(GUIDE_LINES.stdout);
    expect(await readFile(join(evidence, 'mounts', 'app-logs.tar'), 'latin1')).toContain(GUIDE_LINES.appLog);
    expect(await readFile(join(evidence, 'mounts', 'tmp.tar'), 'latin1')).toContain(GUIDE_LINES.tmp);
  });

  it('keeps the incident directory and its files owner-only', async () => {
    expect((await stat(incidentDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(incidentDir, 'audit.jsonl'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(incidentDir, 'evidence', guide.name, 'inspect.json'))).mode & 0o777).toBe(0o600);
  });

  it('removes the container', async () => {
    await expect(new Docker().getContainer(guide.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('moves AWSCURRENT to the new value and keeps the old one as AWSPREVIOUS', async () => {
    expect(await secretValueAt(secretId, 'AWSCURRENT')).toBe(newKey);
    expect(await secretValueAt(secretId, 'AWSPREVIOUS')).toBe(oldKey);
  });

  it('never shows either secret value in its output or audit trail', async () => {
    const trail = await readFile(join(incidentDir, 'audit.jsonl'), 'utf8');
    for (const text of [run.stdout, run.stderr, trail]) {
      expect(text).not.toContain(oldKey);
      expect(text).not.toContain(newKey);
    }
    // The raw evidence does hold the old key: proof the check above looks at real data.
    expect(await readFile(join(incidentDir, 'evidence', guide.name, 'inspect.json'), 'utf8')).toContain(oldKey);
  });
});
