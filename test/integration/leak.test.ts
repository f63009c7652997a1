import { generateKeyPairSync } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEchoProxy, type EchoProxy } from '../support/echo-proxy.js';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';
import { createTestSecret, deleteTestSecret, secretValueAt } from '../support/secrets.js';

const realParts = inject('docker').ok && inject('aws').ok;

// The container spreads its key where an attacker's tooling would: its output and its scratch space.
const SCRIPT = 'echo "starting with key $GROQ_API_KEY"; echo "$GROQ_API_KEY" > /tmp/key.txt; touch /tmp/ready; exec sleep 3600';

interface Contained {
  run: CliRun;
  dir: string;
  secretId: string;
  guide: GuideContainer;
}

describe.skipIf(!realParts)('no secret value outside the sealed evidence', () => {
  const envValue = `gsk_leak_env_${uniqueName('v')}`;
  const oldValue = `gsk_leak_old_${uniqueName('v')}`;
  const newValue = `gsk_leak_new_${uniqueName('v')}`;
  const guides: GuideContainer[] = [];
  const secrets: string[] = [];
  let work: string;
  let privatePem: string;
  let proxy: EchoProxy;
  let rotated: Contained;
  let refused: Contained;

  async function containment(label: string, env: NodeJS.ProcessEnv = {}): Promise<Contained> {
    const guide = await runGuideContainer({ apiKey: envValue, script: SCRIPT });
    guides.push(guide);
    const secretId = `${uniqueName(label)}/groq-key`;
    secrets.push(secretId);
    await createTestSecret(secretId, oldValue);
    const runbook = (await readFile('runbooks/autotrader.yaml', 'utf8'))
      .replace('container: autotrader', `container: ${guide.name}`)
      .replace('secretId: autotrader/groq-key', `secretId: ${secretId}`)
      .replace('stopTimeout: 10', 'stopTimeout: 1');
    await writeFile(join(work, `${label}.yaml`), runbook);
    const run = await runCli(['contain', '--runbook', join(work, `${label}.yaml`), '--yes', '--json',
      '--evidence-dir', join(work, label), '--secret-value-file', join(work, 'new-value'),
      '--operator', 'Alice Example', '--ticket', 'INC-4711', '--signing-key', join(work, 'signing.pem')], env);
    return { run, dir: await onlyIncidentDir(join(work, label)), secretId, guide };
  }

  /** Everything a person or a log collector could see of an incident, outside evidence/. */
  async function visibleText(contained: Contained): Promise<Record<string, string>> {
    const { run, dir } = contained;
    const read = (file: string) => readFile(join(dir, file), 'utf8');
    const cli = async (args: string[]) => { const r = await runCli(args); return r.stdout + r.stderr; };
    return {
      stdout: run.stdout, stderr: run.stderr,
      'audit.jsonl': await read('audit.jsonl'), 'journal.json': await read('journal.json'),
      'manifest.json': await read('manifest.json'), 'audit.sig': await read('audit.sig'),
      'audit show': await cli(['audit', 'show', dir]), 'audit show --json': await cli(['audit', 'show', dir, '--json']),
      'audit verify --json': await cli(['audit', 'verify', dir, '--json']),
      'incidents list': await cli(['incidents', 'list', '--evidence-dir', join(dir, '..'), '--json']),
    };
  }

  function expectNoSecrets(texts: Record<string, string>): void {
    const keyBody = privatePem.split('\n').filter((line) => line && !line.startsWith('-----')).join('');
    for (const [where, text] of Object.entries(texts)) {
      for (const value of [envValue, oldValue, newValue, keyBody]) {
        expect(text.includes(value), `${where} contains a secret value`).toBe(false);
      }
    }
  }

  beforeAll(async () => {
    work = await tempDir('leak');
    await writeFile(join(work, 'new-value'), `${newValue}\n`);
    privatePem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFile(join(work, 'signing.pem'), privatePem, { mode: 0o600 });
    proxy = await startEchoProxy(process.env.AWS_ENDPOINT_URL!);
    rotated = await containment('rotated');
    // Only Secrets Manager goes through the proxy; STS still answers from the emulator.
    refused = await containment('refused', { AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url });
  }, 180_000);

  afterAll(async () => {
    for (const guide of guides) await guide.remove();
    for (const secretId of secrets) await deleteTestSecret(secretId);
    await proxy?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('contains and rotates, with the values nowhere outside the evidence', async () => {
    expect(rotated.run.code, rotated.run.stderr).toBe(0);
    expect(await secretValueAt(rotated.secretId, 'AWSCURRENT')).toBe(newValue);
    expectNoSecrets(await visibleText(rotated));
  });

  it('keeps them out when AWS refuses the rotation with an error quoting the new value', async () => {
    expect(refused.run.code).toBe(1);
    const rotation = JSON.parse(refused.run.stdout).steps[3];
    expect(rotation).toMatchObject({ kind: 'rotate-secret', outcome: 'failed', error: { code: 'AWS_ERROR' } });
    expect(proxy.refused.some((body) => body.includes(newValue))).toBe(true);
    expect(await secretValueAt(refused.secretId, 'AWSCURRENT')).toBe(oldValue);
    expectNoSecrets(await visibleText(refused));
  });

  it('has the values in the raw evidence, which the manifest marks as secret', async () => {
    const evidence = join(rotated.dir, 'evidence', rotated.guide.name);
    expect(await readFile(join(evidence, 'inspect.json'), 'utf8')).toContain(envValue);
    expect(await readFile(join(evidence, 'logs', 'stdout.log'), 'utf8')).toContain(envValue);
    const manifest = JSON.parse(await readFile(join(rotated.dir, 'manifest.json'), 'utf8'));
    const secret = (path: string) => manifest.items.find((item: { path: string }) => item.path.endsWith(path))?.secret;
    expect([secret('/inspect.json'), secret('/logs/stdout.log'), secret('/mounts/tmp.tar'), secret('/image.json')]).toEqual([true, true, true, true]);
    expect(secret('/networks.json')).toBeUndefined();
  });

  it('records who acted, as whom in AWS, and before and after each change; the signed seal verifies', async () => {
    const records = (await readFile(join(rotated.dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(records.every((r) => r.actor.operator === 'Alice Example')).toBe(true);
    expect(records[0].details).toMatchObject({ ticket: 'INC-4711', dockerHost: expect.any(String) });
    const events = records.map((r) => r.event as string);
    const identity = records.find((r) => r.event === 'aws.identity');
    expect(identity).toMatchObject({ outcome: 'succeeded', details: { arn: expect.stringMatching(/^arn:aws:/), secretsManagerEndpoint: expect.any(String) } });
    expect(events.indexOf('aws.identity')).toBeLessThan(events.indexOf('aws.secretsmanager.put-secret-value.started'));
    expect(records.find((r) => r.event === 'aws.secretsmanager.put-secret-value').actor.awsArn).toBe(identity.details.arn);
    for (const change of ['docker.network.disconnect', 'docker.container.stop', 'docker.container.remove']) {
      expect(events.indexOf(`${change}.started`), change).toBeGreaterThanOrEqual(0);
      expect(events.indexOf(`${change}.started`)).toBeLessThan(events.indexOf(change));
    }
    await writeFile(join(work, 'signing.pub'),
      (await import('node:crypto')).createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }));
    const verify = await runCli(['audit', 'verify', rotated.dir, '--public-key', join(work, 'signing.pub')]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^VALID: .*\nsignature: verified with sha256:/);
  });
});
