import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir } from '../support/run-cli.js';
import { createTestSecret, deleteTestSecret } from '../support/secrets.js';

const docker = new Docker();
const API_KEY = `gsk_fake_${uniqueName('plan')}`;

/** What a change to the container would show: state, start time, restarts, networks. */
async function containerState(id: string) {
  const info = await docker.getContainer(id).inspect();
  const { Status, Running, Paused, StartedAt, Pid } = info.State;
  return { Status, Running, Paused, StartedAt, Pid, RestartCount: info.RestartCount,
    networks: info.NetworkSettings.Networks, restart: info.HostConfig.RestartPolicy };
}

async function secretVersions(secretId: string) {
  const out = await new SecretsManagerClient({}).send(new DescribeSecretCommand({ SecretId: secretId }));
  return out.VersionIdsToStages;
}

/** Every event the engine emitted about the container between two moments. */
async function eventsBetween(id: string, since: number, until: number): Promise<unknown[]> {
  const stream = await docker.getEvents({
    since: (since / 1000).toFixed(3), until: (until / 1000 + 1).toFixed(3), filters: { container: [id] },
  } as Parameters<Docker['getEvents']>[0]) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe.skipIf(!inject('docker').ok || !inject('aws').ok)('ir plan: read-only, recorded, as data', () => {
  let guide: GuideContainer;
  let work: string;
  let runbook: string;
  let volume: string;
  const secretId = uniqueName('plan-secret');
  let firstVersion: string;

  beforeAll(async () => {
    work = await tempDir('plan');
    volume = uniqueName('plan-vol');
    await docker.createVolume({ Name: volume });
    guide = await runGuideContainer({
      apiKey: API_KEY, networkCount: 2, mounts: [{ Type: 'volume', Source: volume, Target: '/data' }],
    });
    firstVersion = await createTestSecret(secretId, API_KEY);
    runbook = join(work, 'runbook.yaml');
    await writeFile(runbook, `name: planned\ntarget:\n  container: ${guide.name}\nsteps:\n  - isolate: {}\n` +
      `  - capture: {}\n  - terminate: {}\n  - rotate-secret:\n      secretId: ${secretId}\n      env: GROQ_API_KEY\n`);
  });

  afterAll(async () => {
    await guide.remove();
    await docker.getVolume(volume).remove().catch(() => undefined);
    await deleteTestSecret(secretId);
    await rm(work, { recursive: true, force: true });
  });

  it('says what each step would act on, and changes nothing', async () => {
    const before = { container: await containerState(guide.id), secret: await secretVersions(secretId) };
    const since = Date.now();
    const run = await runCli(['plan', '--runbook', runbook, '--json', '--evidence-dir', join(work, 'a')]);
    const until = Date.now();
    expect(run.code, run.stderr).toBe(0);
    expect(await containerState(guide.id)).toEqual(before.container);
    expect(await secretVersions(secretId)).toEqual(before.secret);
    expect(await eventsBetween(guide.id, since, until)).toEqual([]);

    const plan = JSON.parse(run.stdout);
    expect(plan.target).toMatchObject({ id: guide.id, name: guide.name, image: 'ir-test/autotrader:latest', state: 'running' });
    expect(plan.docker.host).toMatch(/^unix:\/\//);
    expect(plan.aws).toMatchObject({ endpoint: process.env.AWS_ENDPOINT_URL, identity: { arn: expect.stringMatching(/^arn:aws:/) } });
    const [isolate, capture, terminate, rotate] = plan.steps;
    expect(isolate.details.leave.map((n: { name: string }) => n.name).sort()).toEqual([...guide.networks].sort());
    expect(isolate.details.leave[0]).toMatchObject({ networkId: expect.stringMatching(/^[0-9a-f]{64}$/), ipv4: expect.any(String) });
    expect(capture.details.mounts).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'tmpfs', destination: '/app/logs', sizeNote: expect.stringContaining('500m') }),
      expect.objectContaining({ type: 'volume', destination: '/data', source: volume, sizeBytes: expect.any(Number) }),
    ]));
    expect(capture.details.filesystem.sizeRootFsBytes).toBeGreaterThan(0);
    expect(terminate.problems).toEqual([]);
    expect(rotate.details).toMatchObject({ secretId, currentVersionId: firstVersion, rotationLambdaConfigured: false,
      arn: expect.stringContaining(secretId) });
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
  });

  it('records the plan in a sealed trail of its own that verifies', async () => {
    const run = await runCli(['contain', '--runbook', runbook, '--dry-run', '--evidence-dir', join(work, 'b')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Target: ${guide.name} ${guide.id}`);
    const dir = await onlyIncidentDir(join(work, 'b', 'plans'));
    expect(run.stdout).toContain(`Nothing was changed. Plan recorded in ${dir}`);
    const records = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.event)).toEqual(['plan.made', 'evidence.sealed', 'audit.sealed']);
    expect(records[0].details.container.id).toBe(guide.id);
    expect((await runCli(['audit', 'verify', dir])).code).toBe(0);
    expect((await runCli(['evidence', 'verify', dir])).code).toBe(0);
    expect(await readFile(join(dir, 'plan.json'), 'utf8')).not.toContain(API_KEY);
  });

  it('still shows the plan when it cannot be recorded, and says so', async () => {
    await writeFile(join(work, 'a-file'), '');
    const run = await runCli(['plan', '--runbook', runbook, '--evidence-dir', join(work, 'a-file', 'x')]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(`Target: ${guide.name} ${guide.id}`);
    expect(run.stdout).toMatch(/Nothing was changed\.\n$/);
    expect(run.stderr).toMatch(/^ir: the plan above was not recorded: cannot write under .*a-file\/x \(ENOTDIR\)/);
  });

  it('says in the rotation step that AWS cannot be reached, and plans the rest', async () => {
    const run = await runCli(['plan', '--runbook', runbook, '--json', '--evidence-dir', join(work, 'c')],
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    expect(run.code).toBe(3);
    const plan = JSON.parse(run.stdout);
    expect(plan.steps.map((s: { problems: unknown[] }) => s.problems.length)).toEqual([0, 0, 0, 1]);
    expect(plan.steps[3].problems[0]).toMatchObject({ code: 'AWS_UNREACHABLE', hint: expect.any(String) });
    expect(plan.aws.problem.code).toBe('AWS_UNREACHABLE');
  });

  it('says so when there are no AWS credentials at all', async () => {
    const run = await runCli(['plan', '--runbook', runbook, '--evidence-dir', join(work, 'd')], {
      AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'), AWS_CONFIG_FILE: join(work, 'none'),
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('✖ AWS credentials are missing, invalid or expired (CredentialsProviderError) [AWS_CREDENTIALS]');
    expect(run.stdout).toMatch(/identity unknown: AWS credentials are missing/);
  });
});
