import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IrError } from '../../src/errors.js';
import { toIrError } from '../../src/secrets/aws-errors.js';
import { planRotation, rotateSecret, rotationToken, type RotationRequest } from '../../src/secrets/rotate.js';
import { createSecretsApi, DEFAULT_ENDPOINT, type SecretDescription, type SecretsApi } from '../../src/secrets/secrets-api.js';

const SECRET_ID = 'prod/autotrader/groq';
const OLD = 'old-version-0000000000000000000000';
const FAKE_VALUE = 'gsk_FAKE_distinctive_value_7f3a9c';

/** An error shaped like the SDK's service exceptions. */
function awsError(name: string, message = name, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {}, ...extra });
}

function described(stages: Record<string, string[]>, extra: Partial<SecretDescription> = {}): SecretDescription {
  return { arn: `arn:aws:secretsmanager:us-east-1:1:secret:${SECRET_ID}`, name: SECRET_ID, versionIdsToStages: stages, ...extra };
}

/** A SecretsApi whose secret starts with one AWSCURRENT version; override any call. */
function stubApi(overrides: Partial<SecretsApi> = {}): SecretsApi {
  return {
    region: async () => 'us-east-1',
    inRegion: () => stubApi(overrides),
    describeSecret: async () => described({ [OLD]: ['AWSCURRENT'] }),
    getSecretValue: async (_id, version) => ({
      versionId: 'versionId' in version ? version.versionId : OLD, stages: [], secretString: 'old-value', binary: false,
    }),
    putSecretValue: async (request) => request.clientRequestToken,
    updateSecretVersionStage: async () => undefined,
    getRandomPassword: async () => 'r'.repeat(32),
    rotateSecret: async (_id, token) => token,
    describeEndpoint: async () => DEFAULT_ENDPOINT,
    callerIdentity: async () => ({ arn: 'arn:aws:iam::123456789012:user/tester' }),
    ...overrides,
  };
}

function request(fields: Partial<RotationRequest> = {}): RotationRequest {
  return { secretId: SECRET_ID, strategy: 'generate', clientRequestToken: rotationToken('inc-1', SECRET_ID), ...fields };
}

async function caught(promise: Promise<unknown>): Promise<IrError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IrError);
  return error as IrError;
}

describe('Secrets Manager errors', () => {
  it.each([
    ['AccessDeniedException', 'AWS_ACCESS_DENIED'],
    ['ThrottlingException', 'AWS_THROTTLED'],
    ['ExpiredTokenException', 'AWS_CREDENTIALS'],
    ['UnrecognizedClientException', 'AWS_CREDENTIALS'],
    ['CredentialsProviderError', 'AWS_CREDENTIALS'],
    ['InternalServiceError', 'AWS_ERROR'],
  ])('maps %s to %s', async (name, code) => {
    const api = stubApi({ describeSecret: async () => { throw awsError(name); } });
    const error = await caught(planRotation(api, SECRET_ID));
    expect(error.code).toBe(code);
    expect(error.hint).toBeTruthy();
    expect(error.message).not.toContain('\n');
  });

  it('maps throttling flagged only by $retryable', () => {
    const error = toIrError(awsError('SomethingNew', 'slow down', { $retryable: { throttling: true } }),
      { operation: 'DescribeSecret', secretId: SECRET_ID });
    expect(error.code).toBe('AWS_THROTTLED');
  });

  it('maps a missing region and an unreachable endpoint', () => {
    const context = { operation: 'DescribeSecret', secretId: SECRET_ID } as const;
    expect(toIrError(new Error('Region is missing'), context).code).toBe('AWS_REGION_MISSING');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(toIrError(refused, context)).toMatchObject({ code: 'AWS_UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('names the secret that is not found, except for a lambda RotateSecret cannot find', () => {
    const notFound = awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const error = toIrError(notFound, { operation: 'DescribeSecret', secretId: SECRET_ID });
    expect(error.code).toBe('SECRET_NOT_FOUND');
    expect(error.message).toContain(SECRET_ID);
    const lambda = awsError('ResourceNotFoundException', "Resource not found for ARN 'arn:aws:lambda:x'.");
    expect(toIrError(lambda, { operation: 'RotateSecret', secretId: SECRET_ID })).toMatchObject({
      code: 'AWS_ERROR', message: expect.stringContaining('arn:aws:lambda:x'),
    });
  });

  it.each(['AccessDeniedException', 'ValidationException'])(
    'never puts the value of a failed PutSecretValue (%s) in the error', async (name) => {
      const echoing = awsError(name, `1 validation error: SecretString '${FAKE_VALUE}' rejected`);
      const api = stubApi({ putSecretValue: async () => { throw echoing; } });
      const error = await caught(rotateSecret(api, request({ strategy: 'supply', newValue: FAKE_VALUE })));
      expect(error.code).toBe(name === 'AccessDeniedException' ? 'AWS_ACCESS_DENIED' : 'AWS_ERROR');
      expect(error.message).toContain('PutSecretValue');
      for (const text of [error.message, String(error), inspect(error, { depth: 10 }), JSON.stringify(error)]) {
        expect(text).not.toContain(FAKE_VALUE);
      }
    });
});

describe('rotation with a stubbed Secrets Manager', () => {
  it('derives a stable UUID-shaped token per incident and secret', () => {
    const token = rotationToken('inc-1', SECRET_ID);
    expect(token).toBe(rotationToken('inc-1', SECRET_ID));
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rotationToken('inc-2', SECRET_ID)).not.toBe(token);
    expect(rotationToken('inc-1', 'other')).not.toBe(token);
  });

  it('runs a lambda rotation with the token and waits for the stages to move', async () => {
    const token = rotationToken('inc-1', SECRET_ID);
    const states = [
      { [OLD]: ['AWSCURRENT'] },
      { [OLD]: ['AWSCURRENT'], [token]: ['AWSPENDING'] },
      { [OLD]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] },
    ];
    const rotate = vi.fn(async (_id: string, t: string) => t);
    const api = stubApi({
      describeSecret: async () => described(states.shift() ?? {}, { rotationLambdaArn: 'arn:aws:lambda:fn' }),
      rotateSecret: rotate,
    });
    const result = await rotateSecret(api, request({ strategy: 'lambda' }), { intervalMs: 1 });
    expect(rotate).toHaveBeenCalledWith(SECRET_ID, token);
    expect(result).toMatchObject({ previousVersionId: OLD, newVersionId: token, strategy: 'lambda', alreadyDone: false });
  });

  it('reports a lambda rotation that never finishes as not verified', async () => {
    const token = rotationToken('inc-1', SECRET_ID);
    let rotated = false;
    const api = stubApi({
      describeSecret: async () => described(
        rotated ? { [OLD]: ['AWSCURRENT'], [token]: ['AWSPENDING'] } : { [OLD]: ['AWSCURRENT'] },
        { rotationLambdaArn: 'arn:aws:lambda:fn' }),
      rotateSecret: async (_id, t) => { rotated = true; return t; },
    });
    const error = await caught(rotateSecret(api, request({ strategy: 'lambda' }), { timeoutMs: 20, intervalMs: 5 }));
    expect(error.code).toBe('ROTATION_NOT_VERIFIED');
    expect(error.hint).toContain('lambda');
  });

  it('finishes a pending version of its own token without storing a second one', async () => {
    const token = rotationToken('inc-1', SECRET_ID);
    const put = vi.fn(async () => token);
    const moves = vi.fn(async () => undefined);
    const states = [
      { [OLD]: ['AWSCURRENT'], [token]: ['AWSPENDING'] },
      { [OLD]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] },
    ];
    const api = stubApi({
      describeSecret: async () => described(states.shift() ?? {}),
      getSecretValue: async (_id, version) => ({ versionId: OLD, stages: [], binary: false,
        secretString: 'versionId' in version && version.versionId === token ? 'r'.repeat(32) : 'old-value' }),
      putSecretValue: put,
      updateSecretVersionStage: moves,
    });
    const result = await rotateSecret(api, request(), { intervalMs: 1 });
    expect(result).toMatchObject({ resumed: true, alreadyDone: false, newVersionId: token, previousVersionId: OLD });
    expect(put).not.toHaveBeenCalled();
    expect(moves).toHaveBeenCalledWith({ secretId: SECRET_ID, stage: 'AWSCURRENT', moveToVersionId: token,
      removeFromVersionId: OLD });
    expect(moves).toHaveBeenCalledWith({ secretId: SECRET_ID, stage: 'AWSPENDING', removeFromVersionId: token });
  });

  it.each([
    ['every digit', { length: 32, excludePunctuation: true, excludeCharacters: '0123456789' }, /every one of the digits/],
    ['all but a few', { length: 32, excludePunctuation: true,
      excludeCharacters: 'BCDEFGHIJKLMNOPQRSTUVWXYZbcdefghijklmnopqrstuvwxyz12345678' }, /leaves 4 characters/],
  ])('refuses generate constraints that exclude %s, before GetRandomPassword', async (_what, password, why) => {
    const getRandomPassword = vi.fn(async () => 'r'.repeat(32));
    const describeSecret = vi.fn(async () => described({ [OLD]: ['AWSCURRENT'] }));
    const error = await caught(rotateSecret(stubApi({ getRandomPassword, describeSecret }), request({ password })));
    expect(error).toMatchObject({ code: 'PASSWORD_ALPHABET_TOO_SMALL', source: 'input' });
    expect(error.message).toMatch(why);
    expect(getRandomPassword).not.toHaveBeenCalled();
    expect(describeSecret).not.toHaveBeenCalled();
  });

  it('rejects a token AWS would refuse before calling it', async () => {
    const error = await caught(rotateSecret(stubApi(), request({ clientRequestToken: 'too-short' })));
    expect(error.code).toBe('ROTATION_REQUEST_INVALID');
  });
});

describe('errors the real SDK raises before reaching AWS', () => {
  afterEach(() => { vi.unstubAllEnvs(); });
  // Nothing listens on port 1, and the shared config files are hidden, so nothing leaves the host.
  const unreachable = () => createSecretsApi({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
  const isolate = () => {
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/ir-test-config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/ir-test-credentials');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  };

  it('maps a refused connection to AWS_UNREACHABLE', async () => {
    isolate();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    expect((await caught(planRotation(unreachable(), SECRET_ID))).code).toBe('AWS_UNREACHABLE');
  });

  it.each([undefined, ''])('maps AWS_REGION=%j to AWS_REGION_MISSING', async (region) => {
    isolate();
    vi.stubEnv('AWS_REGION', region);
    expect((await caught(planRotation(unreachable(), SECRET_ID))).code).toBe('AWS_REGION_MISSING');
  });

  it('says an endpoint that answers HTML is not the AWS API, without pointing at an AWS error name', async () => {
    isolate();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to the proxy</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const api = createSecretsApi({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
      const error = await caught(planRotation(api, SECRET_ID));
      expect(error.code).toBe('AWS_NOT_AN_API_ANSWER');
      expect(error.hint).not.toMatch(/AWS error name/);
      expect(error.hint).toMatch(/answered with something that is not the AWS API/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('maps no credentials to AWS_CREDENTIALS', async () => {
    isolate();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
      vi.stubEnv(name, '');
    }
    expect((await caught(planRotation(unreachable(), SECRET_ID))).code).toBe('AWS_CREDENTIALS');
  });
});

describe('the endpoint description', () => {
  afterEach(() => { vi.unstubAllEnvs(); });

  it('gives an explicit endpoint, a configured one, or the default', async () => {
    expect(await createSecretsApi({ endpoint: 'http://localhost:4566' }).describeEndpoint()).toBe('http://localhost:4566');
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', 'http://sm.example.test:9000');
    expect(await createSecretsApi().describeEndpoint()).toBe('http://sm.example.test:9000');
    vi.stubEnv('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'true');
    expect(await createSecretsApi().describeEndpoint()).toBe(DEFAULT_ENDPOINT);
  });
});
