import { dockerMessage, dockerStatus } from '../docker/connect-docker.js';
import { IrError } from '../errors.js';
import type { AuditTrail } from './audit-trail.js';

export interface AuditedCallOptions<T> {
  /** Facts known only once the call returned, such as a new version id. */
  after?(result: T): Record<string, unknown>;
  /** How a failure is recorded; the default keeps the error's code and first line. */
  failure?(thrown: unknown): Record<string, unknown>;
}

/**
 * Runs one call that changes something outside `ir` (a disconnect, a stop, a
 * put), recorded before it as `<event>.started` and after it as `<event>`,
 * succeeded or failed. The before-record is on disk before the call starts,
 * so a crash in between still leaves the intent of a change that may have
 * happened. Details carry ids, never values; the trail redacts them anyway.
 */
export async function auditedCall<T>(
  audit: AuditTrail, event: string, details: Record<string, unknown>, call: () => Promise<T>,
  options: AuditedCallOptions<T> = {},
): Promise<T> {
  await audit.append(`${event}.started`, 'started', details);
  let result: T;
  try {
    result = await call();
  } catch (thrown) {
    await audit.append(event, 'failed', { ...details, error: (options.failure ?? describeFailure)(thrown) });
    throw thrown;
  }
  await audit.append(event, 'succeeded', { ...details, ...options.after?.(result) });
  return result;
}

/** A stable code and the engine's or the error's own one-line message. */
export function describeFailure(thrown: unknown): { code: string; message: string } {
  if (thrown instanceof IrError) return { code: thrown.code, message: thrown.message };
  const status = dockerStatus(thrown);
  if (status !== undefined) return { code: `DOCKER_HTTP_${status}`, message: dockerMessage(thrown) };
  const { code, name } = (thrown ?? {}) as { code?: unknown; name?: unknown };
  const label = typeof code === 'string' ? code : typeof name === 'string' ? name : 'UNEXPECTED';
  return { code: label, message: dockerMessage(thrown) };
}
