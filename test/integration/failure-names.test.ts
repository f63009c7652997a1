import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../support/names.js';
import { CLI, onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';

const run = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await tempDir('names');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** One line saying what is wrong, one hint saying what to do, exit 3. */
function expectOneLine(result: CliRun, message: RegExp, hint: RegExp) {
  expect(result.code, result.stderr).toBe(3);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(hint);
}

/** A self-signed certificate and its key in `dir` as cert.pem and key.pem. */
async function makeCertificate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
}

describe('Docker engine failures name the cause and the fix', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    await makeCertificate(join(work, 'engine'));
    await makeCertificate(join(work, 'client'));
    // The client trusts its own certificate as CA, which did not sign the engine's.
    await writeFile(join(work, 'client', 'ca.pem'), await readFile(join(work, 'client', 'cert.pem')));
    server = createServer({
      key: await readFile(join(work, 'engine', 'key.pem')), cert: await readFile(join(work, 'engine', 'cert.pem')),
    }, (socket) => socket.end());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const contain = (env: NodeJS.ProcessEnv) =>
    runCli(['contain', 'container', '--yes', '--evidence-dir', join(work, 'incidents')], env);

  it('a TLS engine whose certificate the CA in DOCKER_CERT_PATH did not sign', async () => {
    const result = await contain({
      DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(work, 'client'),
    });
    expectOneLine(result,
      new RegExp(`^ir: TLS to the Docker engine at tcp://127.0.0.1:${port} failed: the engine's certificate is not signed`),
      /hint: put this engine's ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH/);
  });

  it('TLS files that are missing or not PEM', async () => {
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1' };
    expectOneLine(await contain({ ...env, DOCKER_CERT_PATH: join(work, 'nowhere') }),
      /^ir: cannot use the TLS files in .*nowhere: .*nowhere\/ca\.pem does not exist$/, /hint: DOCKER_CERT_PATH must hold/);
    await mkdir(join(work, 'junk'));
    for (const file of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(work, 'junk', file), 'not a certificate\n');
    expectOneLine(await contain({ ...env, DOCKER_CERT_PATH: join(work, 'junk') }),
      /^ir: cannot use the TLS files in .*junk: /, /hint: DOCKER_CERT_PATH must hold/);
  });

  it.skipIf(process.getuid?.() !== 0)('permission denied on the socket, as a user outside the docker group', async () => {
    const result = await new Promise<CliRun>((resolve) => {
      execFile(process.execPath, [CLI, 'contain', 'container', '--yes', '--evidence-dir', join(work, 'incidents')], {
        uid: 65534, gid: 65534, env: { PATH: process.env.PATH, HOME: '/nonexistent', NO_COLOR: '1' }, cwd: '/',
      }, (error, stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }));
    });
    expectOneLine(result, /^ir: permission denied on the Docker socket unix:\/\/\/var\/run\/docker\.sock$/,
      /hint: run as a user in the docker group/);
  });
});

describe.skipIf(!inject('docker').ok || !inject('aws').ok)('AWS failures name the cause, in the step, the journal and the trail', () => {
  async function rotateOnly(env: NodeJS.ProcessEnv, evidence: string) {
    const file = join(work, 'rotate.yaml');
    await writeFile(file, `name: r\ntarget:\n  container: ${uniqueName('gone')}\nsteps:\n` +
      '  - isolate: {}\n  - rotate-secret:\n      secretId: some/secret\n      strategy: generate\n');
    const result = await runCli(['contain', '--runbook', file, '--steps', 'rotate-secret', '--yes', '--json',
      '--evidence-dir', join(work, evidence)], env);
    const dir = await onlyIncidentDir(join(work, evidence));
    const journal = JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));
    const trail = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    return { result, journal, failed: trail.find((r) => r.event === 'step.failed') };
  }

  it.each([
    ['no credentials anywhere', 'AWS_CREDENTIALS', /AWS credentials are missing, invalid or expired/, {
      AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' }],
    ['no region', 'AWS_REGION_MISSING', /no usable AWS region is configured/, {
      AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/nonexistent' }],
  ])('%s', async (_what, code, message, env) => {
    const { result, journal, failed } = await rotateOnly(env, code);
    expect(result.code).toBe(1);
    const [step] = JSON.parse(result.stdout).steps;
    expect(step).toMatchObject({ kind: 'rotate-secret', outcome: 'failed', error: { code, message: expect.stringMatching(message) } });
    expect(step.error.hint).toBeTruthy();
    expect(journal.steps[0]).toMatchObject({ state: 'failed', error: { code } });
    expect(failed.details).toMatchObject({ kind: 'rotate-secret', error: { code, hint: step.error.hint } });
  });
});
