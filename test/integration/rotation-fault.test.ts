import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateSecretCommand, DescribeSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readJournal, trailRecords } from '../support/cli-child.js';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { privateMotoUnavailable, startPrivateMoto, type PrivateMoto } from '../support/private-moto.js';
import { runCli, tempDir, type CliRun } from '../support/run-cli.js';
import { startStopAfterPut, type StopAfterPut } from '../support/stop-after-put.js';

const unavailable = await privateMotoUnavailable();
if (unavailable && process.env.CI === 'true') throw new Error(`CI=true and the rotation fault test cannot run: ${unavailable}`);
if (unavailable) process.stderr.write(`\n[ir tests] rotation fault test skipped: ${unavailable}\n`);

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };

describe.skipIf(!inject('docker').ok || unavailable !== undefined)(
  'the Secrets Manager emulator stopped during rotation, then started again', () => {
    let moto: PrivateMoto;
    let proxy: StopAfterPut;
    let guide: GuideContainer;
    let work: string;
    let client: SecretsManagerClient;
    const secret = uniqueName('rotation-fault');
    let dir: string;
    let failed: CliRun;
    let journalAfterFailure: Awaited<ReturnType<typeof readJournal>>;
    let resumed: CliRun;

    beforeAll(async () => {
      work = await tempDir('rotation-fault');
      moto = await startPrivateMoto(join(work, 'moto-recording.jsonl'));
      proxy = await startStopAfterPut(moto.url, () => moto.kill());
      client = new SecretsManagerClient({ endpoint: moto.url, region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      await client.send(new CreateSecretCommand({ Name: secret, SecretString: 'old-value-before-rotation' }));
      guide = await runGuideContainer({ apiKey: 'gsk_fake_rotation_fault_value' });
      const runbook = join(work, 'runbook.yaml');
      await import('node:fs/promises').then(({ writeFile }) => writeFile(runbook, `name: rotate\ntarget:\n  container: ${
        guide.name}\nsteps:\n  - rotate-secret:\n      secretId: ${secret}\n      strategy: generate\n`));
      const env = { ...CREDENTIALS, AWS_ENDPOINT_URL: proxy.url };
      const evidence = join(work, 'incidents');
      failed = await runCli(['contain', '--runbook', runbook, '--yes', '--json', '--case', 'ROTATE-1',
        '--evidence-dir', evidence], env);
      dir = join(evidence, 'ROTATE-1');
      journalAfterFailure = await readJournal(dir);
      await moto.restart();
      resumed = await runCli(['resume', dir, '--yes', '--json'], env);
    }, 240_000);

    afterAll(async () => {
      await guide?.remove();
      await proxy?.close();
      await moto?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('fails the rotation clearly while the emulator is down', async () => {
      expect(proxy.puts).toBe(1);
      expect(failed.code, failed.stderr).toBe(1);
      const step = JSON.parse(failed.stdout).steps[0];
      expect(step).toMatchObject({ kind: 'rotate-secret', outcome: 'failed' });
      expect(step.error.message).toMatch(/cannot reach Secrets Manager for PutSecretValue/);
      expect(journalAfterFailure.steps[0]).toMatchObject({ state: 'failed', resume: { secretId: secret } });
    });

    it('finishes it on resume with the same token, without a second new version', async () => {
      expect(resumed.code, resumed.stderr).toBe(0);
      const step = JSON.parse(resumed.stdout).steps[0];
      // The put reached the emulator before it died: resume finds the version under its token and finishes it.
      expect(step.summary).toMatch(/finished a rotation this incident had started|already rotated in this incident/);
      const token = (await readJournal(dir)).steps[0]!.resume!.clientRequestToken as string;
      const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: secret, IncludeDeprecated: true }));
      expect(versions.Versions).toHaveLength(2);
      const stages = (await client.send(new DescribeSecretCommand({ SecretId: secret }))).VersionIdsToStages!;
      expect(stages[token]).toContain('AWSCURRENT');
    });

    it('leaves one trail over both runs that verifies', async () => {
      const events = (await trailRecords(dir)).map((record) => record.event);
      expect(events.filter((event) => event === 'incident.started')).toHaveLength(1);
      expect(events).toContain('incident.resumed');
      expect((await runCli(['audit', 'verify', dir])).code).toBe(0);
    });
  });
