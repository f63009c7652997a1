import { describe, expect, it } from 'vitest';
import { IrError } from '../../src/errors.js';
import { buildSecretString } from '../../src/secrets/new-value.js';
import type { SecretsApi } from '../../src/secrets/secrets-api.js';

// 'supply' with a key builds the string from the current value alone: no call is made.
const NO_API = {} as SecretsApi;

async function replacing(current: unknown, key: string): Promise<string> {
  return buildSecretString(NO_API, { secretId: 'app/db', strategy: 'supply', newValue: 'n3w-value', key },
    JSON.stringify(current));
}

describe("replacing one key of a JSON secret", () => {
  it.each([
    [{ port: 5432, user: 'u' }, 'port', 'a number'],
    [{ tls: true }, 'tls', 'a boolean'],
    [{ nested: { a: 1 } }, 'nested', 'an object'],
    [{ hosts: ['a', 'b'] }, 'hosts', 'an array'],
    [{ token: null }, 'token', 'null'],
  ])('refuses to turn %o key %s into a string', async (current, key, type) => {
    const error = await replacing(current, key).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(IrError);
    expect(error).toMatchObject({ code: 'SECRET_KEY_NOT_STRING' });
    expect((error as IrError).message).toBe(`key "${key}" of secret "app/db" holds ${type}, not a string; ` +
      'only string values are replaced');
    expect((error as IrError).message).not.toContain('n3w-value');
  });

  it('replaces a string value and keeps the other keys and their types', async () => {
    expect(JSON.parse(await replacing({ password: 'old', port: 5432 }, 'password')))
      .toEqual({ password: 'n3w-value', port: 5432 });
  });
});
