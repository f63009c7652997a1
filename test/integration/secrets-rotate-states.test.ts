/**
 * Rotation against the emulator where the labels matter: reruns after a
 * crash, a rotation left half-done, replicas, a rotation function, binary and
 * JSON secrets. Every check names versions and stages explicitly: the emulator
 * may answer a plain GetSecretValue with a stale version.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it, vi } from 'vitest';
import { createSecretsApi, type SecretsApi } from '../../src/secrets/secrets-api.js';
import { planRotate } from '../../src/plan/plan-rotation.js';
import { rotateSecret } from '../../src/secrets/rotate.js';
import { uniqueName } from '../support/names.js';
import { caught, rotationRequest as request, withSecret } from '../support/rotation.js';
import {
  createTestSecret, deleteReplicatedSecret, failLambdaRotation, replicateTestSecret, secretValueAt, secretValueOf,
  stagePending, stagesOf, versionCount,
} from '../support/secrets.js';

const api = createSecretsApi();

/** The real API, except that one label move "crashes" the way a killed run would stop. */
function crashingAt(stage: string): SecretsApi {
  return {
    ...api,
    async updateSecretVersionStage(change) {
      if (change.stage === stage) throw Object.assign(new Error('simulated crash'), { name: 'SimulatedCrash' });
      return api.updateSecretVersionStage(change);
    },
  };
}

describe.skipIf(!inject('aws').ok)('rotation states against Secrets Manager', () => {
  it('stages, checks and promotes, leaving exactly AWSCURRENT and AWSPREVIOUS', async () => {
    await withSecret('staged-initial', async (name, first) => {
      const req = request(name, { strategy: 'supply', newValue: 'staged-replacement' });
      await rotateSecret(api, req);
      expect(await stagesOf(name)).toEqual({ [first]: ['AWSPREVIOUS'], [req.clientRequestToken]: ['AWSCURRENT'] });
      expect(await secretValueOf(name, req.clientRequestToken)).toBe('staged-replacement');
    });
  });

  it.each(['AWSCURRENT', 'AWSPENDING'])(
    'finishes a rerun after a crash at the %s move without a second version', async (stage) => {
      await withSecret('crash-initial', async (name, first) => {
        const req = request(name, { strategy: 'generate' });
        await caught(rotateSecret(crashingAt(stage), req, { intervalMs: 10 }));
        const staged = await secretValueOf(name, req.clientRequestToken);
        expect(await versionCount(name)).toBe(2);

        const result = await rotateSecret(api, req);
        expect(result).toMatchObject({ resumed: true, previousVersionId: first, newVersionId: req.clientRequestToken });
        expect(await versionCount(name)).toBe(2);
        expect(await stagesOf(name)).toEqual({ [first]: ['AWSPREVIOUS'], [req.clientRequestToken]: ['AWSCURRENT'] });
        expect(await secretValueAt(name, 'AWSCURRENT')).toBe(staged);
      });
    });

  it('refuses a rerun whose supplied value differs from the one already staged', async () => {
    await withSecret('differs-initial', async (name, first) => {
      const req = request(name, { strategy: 'supply', newValue: 'first-supplied' });
      await caught(rotateSecret(crashingAt('AWSCURRENT'), req));
      const error = await caught(rotateSecret(api, { ...req, newValue: 'second-supplied' }));
      expect(error.code).toBe('ROTATION_TOKEN_VALUE_DIFFERS');
      expect(`${error.message} ${error.hint}`).not.toMatch(/supplied-/);
      expect(await stagesOf(name)).toEqual({ [first]: ['AWSCURRENT'], [req.clientRequestToken]: ['AWSPENDING'] });
    });
  });

  it('refuses a different supplied value once our version is already AWSCURRENT, and reports the same as done',
    async () => {
      await withSecret('current-initial', async (name, first) => {
        const req = request(name, { strategy: 'supply', newValue: 'first-supplied' });
        await caught(rotateSecret(crashingAt('AWSPENDING'), req));
        expect(await stagesOf(name)).toEqual({ [first]: ['AWSPREVIOUS'],
          [req.clientRequestToken]: expect.arrayContaining(['AWSCURRENT', 'AWSPENDING']) });
        const error = await caught(rotateSecret(api, { ...req, newValue: 'second-supplied' }));
        expect(error.code).toBe('ROTATION_TOKEN_VALUE_DIFFERS');
        expect(`${error.message} ${error.hint}`).not.toMatch(/supplied-/);
        expect(await secretValueOf(name, req.clientRequestToken)).toBe('first-supplied');

        const same = await rotateSecret(api, req);
        expect(same).toMatchObject({ alreadyDone: true, newVersionId: req.clientRequestToken, previousVersionId: first });
        expect(await stagesOf(name)).toEqual({ [first]: ['AWSPREVIOUS'], [req.clientRequestToken]: ['AWSCURRENT'] });
      });
    });

  it('stops at a rotation left half-done, then clears the stale label only when asked', async () => {
    await withSecret('half-initial', async (name, first) => {
      const stale = randomUUID();
      await stagePending(name, 'half-pending', stale);
      const error = await caught(rotateSecret(api, request(name)));
      expect(error.code).toBe('ROTATION_HALF_DONE');
      expect(error.message).toContain(stale);
      expect(error.hint).toMatch(/--clear-stale-pending/);
      expect(await stagesOf(name)).toEqual({ [first]: ['AWSCURRENT'], [stale]: ['AWSPENDING'] });

      const req = request(name, { clearStalePending: true });
      const result = await rotateSecret(api, req);
      expect(result.clearedStalePending).toBe(stale);
      expect(await stagesOf(name)).toEqual({ [first]: ['AWSPREVIOUS'], [req.clientRequestToken]: ['AWSCURRENT'] });
    });
  });

  it('replaces one JSON key, keeps the others, and refuses a value that would change the keys', async () => {
    const initial = JSON.stringify({ username: 'trader', api_key: 'old-json-key', host: 'db.internal' });
    await withSecret(initial, async (name) => {
      const whole = await caught(rotateSecret(api, request(name, { strategy: 'supply', newValue: 'plain-text' })));
      expect(whole.code).toBe('SECRET_KEYS_WOULD_CHANGE');
      expect(await versionCount(name)).toBe(1);

      await rotateSecret(api, request(name, { strategy: 'supply', key: 'api_key', newValue: 'new-json-key' }));
      expect(JSON.parse((await secretValueAt(name, 'AWSCURRENT'))!)).toEqual({
        username: 'trader', api_key: 'new-json-key', host: 'db.internal',
      });
      expect(await secretValueAt(name, 'AWSPREVIOUS')).toBe(initial);
    });
  });

  it('refuses a binary secret clearly, changing nothing', async () => {
    await withSecret(Buffer.from([0, 1, 2, 250]), async (name) => {
      const error = await caught(rotateSecret(api, request(name, { strategy: 'supply', newValue: 'text-value' })));
      expect(error.code).toBe('SECRET_IS_BINARY');
      expect(error.hint).toMatch(/lambda/);
      expect(await versionCount(name)).toBe(1);
    });
  });

  it('asks GetRandomPassword for the runbook length without the excluded characters', async () => {
    await withSecret('constrained-initial', async (name) => {
      const password = { length: 48, excludeCharacters: 'abcdefABCDEF0123', excludePunctuation: true };
      await rotateSecret(api, request(name, { password }));
      const value = (await secretValueAt(name, 'AWSCURRENT'))!;
      expect(value).toHaveLength(48);
      expect(value).not.toMatch(/[a-fA-F0-3]/);
    });
  });

  it('rotates a replica in its primary region and says so', async () => {
    const name = uniqueName('replicated');
    const first = await createTestSecret(name, 'replica-initial');
    try {
      await replicateTestSecret(name, 'eu-west-1');
      const replicaApi = createSecretsApi({ region: 'eu-west-1' });
      const req = request(name, { strategy: 'supply', newValue: 'replica-replacement' });
      const result = await rotateSecret(replicaApi, req);
      expect(result).toMatchObject({ region: 'us-east-1', replicaRegion: 'eu-west-1', previousVersionId: first });
      expect(await stagesOf(name)).toEqual({ [first]: ['AWSPREVIOUS'], [req.clientRequestToken]: ['AWSCURRENT'] });
    } finally {
      await deleteReplicatedSecret(name, 'eu-west-1');
    }
  });

  it('plans a replica as rotated in its primary region, and says so in the step', async () => {
    const name = uniqueName('replicated');
    await createTestSecret(name, 'replica-initial');
    try {
      await replicateTestSecret(name, 'eu-west-1');
      const params = { store: 'aws', secretId: name, strategy: 'generate', clearStalePending: false } as const;
      const plan = await planRotate(params, createSecretsApi({ region: 'eu-west-1' }), undefined);
      expect(plan.details).toMatchObject({ region: 'us-east-1', replicaRegion: 'eu-west-1' });
      expect(plan.notes).toContain(`${name} in eu-west-1 is a read-only replica: it would be rotated in its ` +
        'primary region us-east-1; the replicas follow');
    } finally {
      await deleteReplicatedSecret(name, 'eu-west-1');
    }
  });

  // The emulator cannot run a rotation function (it would need Lambda's runtime images), so the
  // function's documented steps are played here against the emulator when RotateSecret is called.
  it('runs a lambda rotation with our token and reports the old version as AWSPREVIOUS', async () => {
    await withSecret('lambda-initial', async (name, first) => {
      const rotateCalls = vi.fn();
      const withFunction: SecretsApi = {
        ...api,
        describeSecret: async (id) => ({ ...(await api.describeSecret(id)), rotationLambdaArn: 'arn:aws:lambda:fn' }),
        async rotateSecret(secretId, token) {
          rotateCalls(secretId, token);
          await stagePending(secretId, 'lambda-made-value', token);
          setTimeout(() => void api.updateSecretVersionStage({
            secretId, stage: 'AWSCURRENT', moveToVersionId: token, removeFromVersionId: first,
          }), 200);
          return token;
        },
      };
      const req = request(name, { strategy: 'lambda', lambdaTimeoutSeconds: 30 });
      const result = await rotateSecret(withFunction, req, { intervalMs: 100 });
      expect(rotateCalls).toHaveBeenCalledWith(name, req.clientRequestToken);
      expect(result).toMatchObject({ strategy: 'lambda', previousVersionId: first, newVersionId: req.clientRequestToken });
      expect((await stagesOf(name))[first]).toEqual(['AWSPREVIOUS']);
      expect(await secretValueAt(name, 'AWSCURRENT')).toBe('lambda-made-value');
    });
  });

  // The emulator forgets the configured function when RotateSecret names none (AWS keeps it) and
  // then moves AWSCURRENT to an empty version of its own: only the request is proven here.
  it('sends the real RotateSecret with our token, once a failed function run is cleared', async () => {
    await withSecret('broken-lambda-initial', async (name, first) => {
      const failedRun = randomUUID();
      await failLambdaRotation(name, 'arn:aws:lambda:us-east-1:123456789012:function:ir-test-missing', failedRun);
      const req = request(name, { strategy: 'lambda', lambdaTimeoutSeconds: 5 });
      expect((await caught(rotateSecret(api, req))).code).toBe('ROTATION_HALF_DONE');
      expect(await stagesOf(name)).toEqual({ [first]: ['AWSCURRENT'], [failedRun]: ['AWSPENDING'] });

      const result = await rotateSecret(api, { ...req, clearStalePending: true }, { intervalMs: 100 });
      expect(result).toMatchObject({ clearedStalePending: failedRun, newVersionId: req.clientRequestToken });
      expect((await stagesOf(name))[req.clientRequestToken]).toContain('AWSCURRENT');
    });
  });
});
