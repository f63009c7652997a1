import { dockerStatus, toDockerError } from '../docker/docker-errors.js';
import { IrError, messageOf } from '../errors.js';
import { isDiskFull } from '../evidence/disk-reserve.js';

/** A failed step's error as the summary, the journal and the audit trail give it. */
export interface ReportedError {
  code: string;
  message: string;
  hint?: string;
}

const ENGINE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Whatever a step threw, as one line with a stable code and, where there is one, the fix. */
export function reportedErrorOf(thrown: unknown): ReportedError {
  const known = knownError(thrown);
  if (known) return { code: known.code, message: known.message, ...(known.hint ? { hint: known.hint } : {}) };
  return { code: 'UNEXPECTED', message: messageOf(thrown) };
}

function knownError(thrown: unknown): IrError | undefined {
  if (thrown instanceof IrError) return thrown;
  const errno = thrown as NodeJS.ErrnoException;
  if (isDiskFull(thrown)) return diskFull(errno);
  if (dockerStatus(thrown) !== undefined || (errno?.code && ENGINE_ERRNOS.has(errno.code))) return toDockerError(thrown);
  if (errno?.code && /CERT|SSL|TLS/.test(errno.code)) return toDockerError(thrown);
  return undefined;
}

/** The evidence disk filled up: nothing written after this point can be trusted whole. */
export function diskFull(errno: NodeJS.ErrnoException): IrError {
  return new IrError(`the evidence disk is full (${errno.code}${errno.path ? ` writing ${errno.path}` : ''})`, {
    code: 'EVIDENCE_DISK_FULL',
    source: 'environment',
    hint: 'free space or use --evidence-dir on a larger disk; files cut short are marked partial in manifest.json',
    cause: errno,
  });
}
