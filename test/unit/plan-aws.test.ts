import { describe, expect, it } from 'vitest';
import { planAws, planRotate } from '../../src/plan/plan-rotation.js';
import { toIrError } from '../../src/secrets/aws-errors.js';
import { DEFAULT_ENDPOINT, type SecretsApi } from '../../src/secrets/secrets-api.js';

const SECRET_ID = 'prod/autotrader/groq';
const ARN = `arn:aws:secretsmanager:us-east-1:1:secret:${SECRET_ID}`;

/** An error shaped like the SDK's service exceptions: the emulator cannot produce these on demand. */
function awsError(name: string): Error {
  return Object.assign(new Error(name), { name, $fault: 'client', $metadata: {} });
}

function failing(name: string): () => Promise<never> {
  return async () => { throw awsError(name); };
}

function stubApi(overrides: Partial<SecretsApi> = {}): SecretsApi {
  const api: SecretsApi = {
    region: async () => 'eu-west-1',
    inRegion: () => api,
    describeSecret: async () => ({ arn: ARN, name: SECRET_ID, versionIdsToStages: { v1: ['AWSCURRENT'] } }),
    getSecretValue: failing('NotCalledInAPlan'),
    putSecretValue: failing('NotCalledInAPlan'),
    updateSecretVersionStage: failing('NotCalledInAPlan'),
    getRandomPassword: failing('NotCalledInAPlan'),
    rotateSecret: failing('NotCalledInAPlan'),
    describeEndpoint: async () => DEFAULT_ENDPOINT,
    callerIdentity: async () => ({ arn: 'arn:aws:iam::123456789012:user/oncall' }),
    ...overrides,
  };
  return api;
}

const PARAMS = { store: 'aws', secretId: SECRET_ID, strategy: 'generate', clearStalePending: false } as const;

describe('the AWS side of a plan', () => {
  it('names the endpoint, region, identity and what the rotation would act on', async () => {
    const api = stubApi();
    expect(await planAws(api)).toEqual({
      endpoint: DEFAULT_ENDPOINT, region: 'eu-west-1', identity: { arn: 'arn:aws:iam::123456789012:user/oncall' },
    });
    const plan = await planRotate(PARAMS, api, undefined);
    expect(plan.details).toMatchObject({ arn: ARN, currentVersionId: 'v1', rotationLambdaConfigured: false });
    expect(plan.problems).toEqual([]);
  });

  it.each([
    ['ExpiredTokenException', 'AWS_CREDENTIALS'],
    ['AccessDeniedException', 'AWS_ACCESS_DENIED'],
    ['ThrottlingException', 'AWS_THROTTLED'],
  ])('puts %s into the step as %s, with a hint, instead of failing the plan', async (name, code) => {
    const api = stubApi({ describeSecret: failing(name), callerIdentity: failing(name) });
    const plan = await planRotate(PARAMS, api, undefined);
    expect(plan.problems).toEqual([expect.objectContaining({ code, hint: expect.any(String) })]);
    expect((await planAws(api)).problem?.code).toBe(code);
  });

  it('flags a lambda rotation with no function, and a variable the container does not have', async () => {
    const info = { Config: { Env: ['OTHER=1'] } } as never;
    const plan = await planRotate({ ...PARAMS, strategy: 'lambda', env: 'GROQ_API_KEY' }, stubApi(), info);
    expect(plan.problems.map((p) => p.code)).toEqual(['ROTATION_LAMBDA_MISSING']);
    expect(plan.notes).toContain('the container has no variable GROQ_API_KEY in its environment');
  });

  it('words STS failures as STS, with the IAM action to allow', () => {
    const denied = toIrError(awsError('AccessDenied'), { operation: 'GetCallerIdentity' });
    expect(denied.message).toBe('access denied: GetCallerIdentity on STS');
    expect(denied.hint).toMatch(/^allow sts:GetCallerIdentity for the identity in use/);
  });
});
