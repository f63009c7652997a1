import { describe, expect, inject, it } from 'vitest';
import { createSecretsApi } from '../../src/secrets/secrets-api.js';
import { planRotation, rotateSecret } from '../../src/secrets/rotate.js';
import { uniqueName } from '../support/names.js';
import { caught, rotationRequest as request, withSecret } from '../support/rotation.js';
import { secretValueAt as valueAt, versionCount } from '../support/secrets.js';

const api = createSecretsApi();

describe.skipIf(!inject('aws').ok)('secret rotation against Secrets Manager', () => {
  it('describes the endpoint the SDK picked up from AWS_ENDPOINT_URL', async () => {
    expect(await api.describeEndpoint()).toBe(process.env.AWS_ENDPOINT_URL);
  });

  it('plans without changing anything', async () => {
    await withSecret('plan-initial', async (name, firstVersion) => {
      const plan = await planRotation(api, name);
      expect(plan).toMatchObject({ name, currentVersionId: firstVersion, rotationLambdaConfigured: false });
      expect(plan.arn).toContain(name);
      expect(await versionCount(name)).toBe(1);
    });
  });

  it('generates a new value and moves AWSCURRENT and AWSPREVIOUS', async () => {
    await withSecret('generate-initial', async (name, firstVersion) => {
      const req = request(name, { strategy: 'generate' });
      const result = await rotateSecret(api, req);
      expect(result).toMatchObject({
        name, strategy: 'generate', alreadyDone: false,
        previousVersionId: firstVersion, newVersionId: req.clientRequestToken,
      });
      const current = await valueAt(name, 'AWSCURRENT');
      expect(current).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(await valueAt(name, 'AWSPREVIOUS')).toBe('generate-initial');
      expect(JSON.stringify(result)).not.toContain(current);
    });
  });

  it('stores a supplied value', async () => {
    await withSecret('supply-initial', async (name, firstVersion) => {
      const result = await rotateSecret(api, request(name, { strategy: 'supply', newValue: 'supply-replacement' }));
      expect(result.previousVersionId).toBe(firstVersion);
      expect(await valueAt(name, 'AWSCURRENT')).toBe('supply-replacement');
      expect(await valueAt(name, 'AWSPREVIOUS')).toBe('supply-initial');
    });
  });

  it('refuses a supplied value that is the burned one, changing nothing', async () => {
    await withSecret('burned-value', async (name) => {
      const error = await rotateSecret(api, request(name, { strategy: 'supply', newValue: 'burned-value' })).catch((e) => e);
      expect(error).toMatchObject({ code: 'SECRET_VALUE_UNCHANGED' });
      expect(String(error)).not.toContain('burned-value');
      expect(await versionCount(name)).toBe(1);
    });
  });

  it('does not rotate twice with the same token', async () => {
    await withSecret('twice-initial', async (name, firstVersion) => {
      const req = request(name, { strategy: 'generate' });
      const first = await rotateSecret(api, req);
      const value = await valueAt(name, 'AWSCURRENT');
      const second = await rotateSecret(api, req);
      expect(second).toEqual({ ...first, alreadyDone: true });
      expect(second.previousVersionId).toBe(firstVersion);
      expect(await versionCount(name)).toBe(2);
      expect(await valueAt(name, 'AWSCURRENT')).toBe(value);
    });
  });

  it('refuses a token whose version is no longer current', async () => {
    await withSecret('stale-initial', async (name) => {
      const ours = request(name, { strategy: 'generate' });
      await rotateSecret(api, ours);
      await rotateSecret(api, request(name, { strategy: 'generate' }));
      const error = await caught(rotateSecret(api, ours));
      expect(error.code).toBe('ROTATION_TOKEN_NOT_CURRENT');
      expect(await versionCount(name)).toBe(3);
    });
  });

  it('replaces one key of a JSON secret and keeps the others', async () => {
    const initial = JSON.stringify({ username: 'trader', password: 'old-json-password', host: 'db.internal' });
    await withSecret(initial, async (name) => {
      await rotateSecret(api, request(name, { strategy: 'supply', key: 'password', newValue: 'new-json-password' }));
      expect(JSON.parse((await valueAt(name, 'AWSCURRENT'))!)).toEqual({
        username: 'trader', password: 'new-json-password', host: 'db.internal',
      });
      expect(await valueAt(name, 'AWSPREVIOUS')).toBe(initial);

      await rotateSecret(api, request(name, { strategy: 'generate', key: 'password' }));
      const generated = JSON.parse((await valueAt(name, 'AWSCURRENT'))!) as Record<string, string>;
      expect(generated).toMatchObject({ username: 'trader', host: 'db.internal' });
      expect(generated.password).toMatch(/^[A-Za-z0-9]{32}$/);
    });
  });

  it('refuses a key on a value that is not a JSON object, without printing it', async () => {
    await withSecret('plain-text-sekrit-value', async (name) => {
      const error = await caught(rotateSecret(api, request(name, { key: 'password' })));
      expect(error.code).toBe('SECRET_NOT_JSON_OBJECT');
      expect(`${error.message} ${error.hint} ${String(error)}`).not.toContain('sekrit');
      expect(await versionCount(name)).toBe(1);
    });
  });

  it('refuses a key the JSON object lacks, without printing the value', async () => {
    await withSecret(JSON.stringify({ token: 'json-sekrit-value' }), async (name) => {
      const error = await caught(rotateSecret(api, request(name, { key: 'password' })));
      expect(error.code).toBe('SECRET_KEY_MISSING');
      expect(error.message).toContain('"password"');
      expect(`${error.message} ${error.hint} ${String(error)}`).not.toContain('sekrit');
    });
  });

  it('refuses a lambda rotation when no lambda is configured', async () => {
    await withSecret('lambda-initial', async (name) => {
      const error = await caught(rotateSecret(api, request(name, { strategy: 'lambda' })));
      expect(error.code).toBe('ROTATION_LAMBDA_MISSING');
      expect(await versionCount(name)).toBe(1);
    });
  });

  it('says which secret is missing', async () => {
    const missing = uniqueName('missing');
    for (const attempt of [() => planRotation(api, missing), () => rotateSecret(api, request(missing, {}))]) {
      const error = await caught(attempt());
      expect(error.code).toBe('SECRET_NOT_FOUND');
      expect(error.message).toContain(missing);
      expect(error.hint).toContain('secretId');
    }
  });
});
