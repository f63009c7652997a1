import { randomBytes } from 'node:crypto';
import { IrError } from '../errors.js';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** IR-20261203T031502Z-autotrader-7f3a: sortable UTC time, target, random suffix. */
export function newIncidentId(target: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safeTarget = target.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
  return `IR-${stamp}-${safeTarget}-${randomBytes(2).toString('hex')}`;
}

/** A case id from a ticketing system becomes a directory name: keep it to safe characters. */
export function checkCaseId(caseId: string): string {
  if (!SAFE_ID.test(caseId)) {
    throw new IrError(`case id '${caseId}' cannot name a directory`, {
      code: 'CASE_ID_INVALID',
      source: 'input',
      hint: 'use letters, digits, dot, dash and underscore only (at most 128), e.g. INC-4711',
    });
  }
  return caseId;
}
