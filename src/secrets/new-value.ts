/**
 * The new secret value for a 'generate' or 'supply' rotation, and the
 * idempotency token. Nothing here ever puts a value in an error.
 */
import { createHash } from 'node:crypto';
import { IrError } from '../errors.js';
import { withAwsErrors } from './aws-errors.js';
import type { SecretsApi } from './secrets-api.js';

/** Length of generated secrets: letters and digits only, safe in shells, JSON and URLs. */
export const GENERATED_LENGTH = 32;

/**
 * A stable ClientRequestToken for rotating `secretId` during `incidentId`, so a
 * resumed incident reuses it. UUID-shaped (36 chars): AWS wants 32–64 and shows
 * the token as the version id.
 */
export function rotationToken(incidentId: string, secretId: string): string {
  const hex = createHash('sha256').update(`ir-rotation\0${incidentId}\0${secretId}`).digest('hex');
  // Version 8 ("custom") and the RFC 9562 variant bits, so UUID parsers accept it.
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const groups = [hex.slice(0, 8), hex.slice(8, 12), `8${hex.slice(13, 16)}`, `${variant}${hex.slice(17, 20)}`];
  return [...groups, hex.slice(20, 32)].join('-');
}

/** What a value-writing rotation needs to know. */
export interface NewValueRequest {
  secretId: string;
  strategy: 'generate' | 'supply';
  newValue?: string;
  key?: string;
}

/** The full string to store: the new value, or the current JSON with one key replaced. */
export async function buildSecretString(
  api: SecretsApi,
  request: NewValueRequest,
  currentVersionId: string,
): Promise<string> {
  const fresh = await freshValue(api, request);
  if (request.key === undefined) {
    if (request.strategy === 'supply') refuseUnchanged(request.secretId, await readIfAllowed(api, request, currentVersionId), fresh);
    return fresh;
  }
  const current = await withAwsErrors({ operation: 'GetSecretValue', secretId: request.secretId },
    () => api.getSecretString(request.secretId, currentVersionId));
  const object = parseJsonObject(current, request.secretId, request.key);
  refuseUnchanged(request.secretId, object[request.key], fresh);
  if (!Object.hasOwn(object, request.key)) {
    throw new IrError(`secret "${request.secretId}" has no key "${request.key}" in its current JSON value`, {
      code: 'SECRET_KEY_MISSING',
      source: 'input',
      hint: "check the runbook's key (key names are case-sensitive)",
    });
  }
  return JSON.stringify({ ...object, [request.key]: fresh });
}

/** The current value, to compare against; a role that may put but not read just skips the comparison. */
async function readIfAllowed(api: SecretsApi, request: NewValueRequest, versionId: string): Promise<string | undefined> {
  try {
    return await withAwsErrors({ operation: 'GetSecretValue', secretId: request.secretId },
      () => api.getSecretString(request.secretId, versionId));
  } catch (error) {
    if (error instanceof IrError && error.code === 'AWS_ACCESS_DENIED') return undefined;
    throw error;
  }
}

/** A "new" value equal to the current one leaves the burned secret in use (an old key file reused). */
function refuseUnchanged(secretId: string, current: unknown, fresh: string): void {
  if (current !== fresh) return;
  throw new IrError(`the new value for secret "${secretId}" is the same as its current value`, {
    code: 'SECRET_VALUE_UNCHANGED',
    source: 'input',
    hint: 'issue a new credential at its provider and supply that; the current one is burned',
  });
}

async function freshValue(api: SecretsApi, request: NewValueRequest): Promise<string> {
  if (request.strategy === 'supply') {
    if (!request.newValue) {
      throw new IrError(`no new value was supplied for secret "${request.secretId}"`, {
        code: 'ROTATION_VALUE_MISSING',
        source: 'input',
        hint: "strategy 'supply' needs the new value; use 'generate' to let AWS create one",
      });
    }
    return request.newValue;
  }
  return withAwsErrors({ operation: 'GetRandomPassword', secretId: request.secretId },
    () => api.getRandomPassword(GENERATED_LENGTH));
}

function parseJsonObject(text: string | undefined, secretId: string, key: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, so neither it nor the cause is kept.
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new IrError(`secret "${secretId}" is not a JSON object, so key "${key}" cannot be replaced`, {
      code: 'SECRET_NOT_JSON_OBJECT',
      source: 'input',
      hint: "remove 'key' from the runbook step to replace the whole value",
    });
  }
  return parsed as Record<string, unknown>;
}
