/**
 * The new secret value for a 'generate' or 'supply' rotation, and the checks
 * that it replaces the old one the way the runbook says. Nothing here ever
 * puts a value in an error.
 */
import { createHash } from 'node:crypto';
import { IrError } from '../errors.js';
import { withAwsErrors } from './aws-errors.js';
import type { PasswordConstraints, SecretsApi } from './secrets-api.js';

/** Generated secrets by default: 32 letters and digits, safe in shells, JSON and URLs. */
export const DEFAULT_PASSWORD: PasswordConstraints = { length: 32, excludePunctuation: true };

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
  password?: PasswordConstraints;
}

/** The full string to store: the new value, or the current JSON with one key replaced. */
export async function buildSecretString(
  api: SecretsApi, request: NewValueRequest, current: string,
): Promise<string> {
  const fresh = await freshValue(api, request);
  const candidate = request.key === undefined ? fresh : replaceKey(request, current, fresh);
  checkReplacement(request, current, candidate);
  return candidate;
}

/** SHA-256 of a value, to compare what was stored with what was meant, in memory only. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Refuses a replacement that would leave the burned value in use or change
 * the shape consumers parse: with `key`, only that key may differ; without
 * it, a JSON-object secret must stay an object with the same keys.
 */
export function checkReplacement(request: NewValueRequest, current: string, candidate: string): void {
  const { secretId, key } = request;
  if (key === undefined) {
    if (candidate === current) throw unchanged(secretId);
    const before = asObject(current);
    if (before && !sameKeys(before, asObject(candidate))) throw keysWouldChange(secretId);
    return;
  }
  const before = objectOrRefuse(current, secretId, key);
  const after = asObject(candidate);
  if (!after || !sameKeys(before, after)) throw keysWouldChange(secretId);
  if (after[key] === before[key]) throw unchanged(secretId);
  const othersKept = Object.keys(before).every((name) => name === key ||
    JSON.stringify(before[name]) === JSON.stringify(after[name]));
  if (!othersKept) throw keysWouldChange(secretId);
}

function replaceKey(request: NewValueRequest, current: string, fresh: string): string {
  const key = request.key!;
  const object = objectOrRefuse(current, request.secretId, key);
  if (!Object.hasOwn(object, key)) {
    throw new IrError(`secret "${request.secretId}" has no key "${key}" in its current JSON value`, {
      code: 'SECRET_KEY_MISSING',
      source: 'input',
      hint: "check the runbook's key (key names are case-sensitive); ir never adds a key",
    });
  }
  if (typeof object[key] !== 'string') throw notAString(request.secretId, key, object[key]);
  return JSON.stringify({ ...object, [key]: fresh });
}

/** A consumer that parses a number, a flag or an object would break on a string in its place. */
function notAString(secretId: string, key: string, value: unknown): IrError {
  const type = value === null ? 'null' : Array.isArray(value) ? 'an array'
    : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  return new IrError(`key "${key}" of secret "${secretId}" holds ${type}, not a string; ` +
    'only string values are replaced', {
    code: 'SECRET_KEY_NOT_STRING',
    source: 'input',
    hint: 'name a key whose value is a string, or rotate this one by hand so its type is kept',
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
    () => api.getRandomPassword(request.password ?? DEFAULT_PASSWORD));
}

function asObject(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, so neither it nor the cause is kept.
    return undefined;
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  return isObject ? (parsed as Record<string, unknown>) : undefined;
}

function objectOrRefuse(text: string, secretId: string, key: string): Record<string, unknown> {
  const object = asObject(text);
  if (object) return object;
  throw new IrError(`secret "${secretId}" is not a JSON object, so key "${key}" cannot be replaced`, {
    code: 'SECRET_NOT_JSON_OBJECT',
    source: 'input',
    hint: "remove 'key' from the runbook step to replace the whole value",
  });
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown> | undefined): boolean {
  if (!b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key));
}

/** A "new" value equal to the current one leaves the burned secret in use (an old key file reused). */
function unchanged(secretId: string): IrError {
  return new IrError(`the new value for secret "${secretId}" is the same as its current value`, {
    code: 'SECRET_VALUE_UNCHANGED',
    source: 'input',
    hint: 'issue a new credential at its provider and supply that; the current one is burned',
  });
}

function keysWouldChange(secretId: string): IrError {
  return new IrError(`the new value for secret "${secretId}" would change its set of JSON keys`, {
    code: 'SECRET_KEYS_WOULD_CHANGE',
    source: 'input',
    hint: "name the one key to replace with 'key:' in the runbook step; every other key keeps its value",
  });
}
