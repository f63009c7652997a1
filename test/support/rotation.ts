/** Shared pieces of the rotation suites: a throwaway secret, a request, an expected IrError. */
import { expect } from 'vitest';
import { IrError } from '../../src/errors.js';
import { rotationToken, type RotationRequest } from '../../src/secrets/rotate.js';
import { uniqueName } from './names.js';
import { createTestSecret, deleteTestSecret } from './secrets.js';

/** Creates a secret for one test and always force-deletes it afterwards. */
export async function withSecret(
  value: string | Uint8Array, body: (name: string, firstVersion: string) => Promise<void>,
): Promise<void> {
  const name = uniqueName('secret');
  const firstVersion = await createTestSecret(name, value);
  try {
    await body(name, firstVersion);
  } finally {
    await deleteTestSecret(name);
  }
}

/** A 'generate' rotation of `secretId` under a token of its own incident, with `fields` on top. */
export function rotationRequest(secretId: string, fields: Partial<RotationRequest> = {}): RotationRequest {
  return { secretId, strategy: 'generate', clientRequestToken: rotationToken(uniqueName('incident'), secretId), ...fields };
}

/** The IrError a promise rejects with; fails the test if it resolves or throws anything else. */
export async function caught(promise: Promise<unknown>): Promise<IrError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IrError);
  return error as IrError;
}
