import { dockerStatus, isTlsFailure, toDockerError } from '../docker/docker-errors.js';
import { IrError, messageOf } from '../errors.js';
import { isDiskFull } from '../evidence/disk-reserve.js';

/** A failed step's error as the summary, the journal and the audit trail give it. */
export interface ReportedError {
  code: string;
  message: string;
  hint?: string;
}

/** Socket errors that can only have come from the engine connection inside a step. */
const ENGINE_ERRNOS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH',
]);

/** Whatever a step threw, as one line with a stable code and, where there is one, the fix. */
export function reportedErrorOf(thrown: unknown): ReportedError {
  const known = knownError(thrown);
  if (!known) return { code: 'UNEXPECTED', message: messageOf(thrown) };
  return { code: known.code, message: known.message, ...(known.hint ? { hint: known.hint } : {}) };
}

function knownError(thrown: unknown): IrError | undefined {
  if (thrown instanceof IrError) return thrown;
  const code = (thrown as NodeJS.ErrnoException | undefined)?.code;
  if (isDiskFull(thrown)) return diskFull(thrown as NodeJS.ErrnoException);
  const fromEngine = dockerStatus(thrown) !== undefined || (code && ENGINE_ERRNOS.has(code));
  return fromEngine || isTlsFailure(code) ? toDockerError(thrown) : undefined;
}

/** The evidence disk filled up: nothing written after this point can be trusted whole. */
function diskFull(errno: NodeJS.ErrnoException): IrError {
  const where = errno.path ? ` writing ${errno.path}` : '';
  return new IrError(`the evidence disk is full (${errno.code ?? 'ENOSPC'}${where})`, {
    code: 'EVIDENCE_DISK_FULL',
    source: 'environment',
    hint: 'free space or use --evidence-dir on a larger disk; files cut short are marked partial',
    cause: errno,
  });
}
