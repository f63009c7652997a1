import { createHash } from 'node:crypto';
import { readFile, truncate } from 'node:fs/promises';
import { IrError } from '../errors.js';
import { syncFile } from '../evidence/hashed-file.js';
import { SEAL_EVENT } from './audit-trail.js';
import type { AuditRecord } from './chain.js';
import { findBreak } from './find-break.js';
import { parseTrail } from './read-trail.js';

/** A last line a crash cut mid-way, removed from the file so the chain can go on; recorded in full. */
export interface CutLine {
  bytes: number;
  sha256: string;
  text: string;
}

/** Where an unsealed trail ends: the last record that verifies, and the cut line removed after it. */
export interface TrailEnd {
  last?: AuditRecord;
  cut?: CutLine;
}

/**
 * Checks an existing trail before more records are chained onto it: every
 * record must verify, and it may end in a seal only when `reopenSealed` (an
 * incident whose failed steps are to be finished). A last line cut short by
 * a crash is taken off the file (it cannot be chained after) and returned, so
 * the caller records it rather than letting it vanish.
 */
export async function prepareTrailForAppend(path: string, reopenSealed: boolean): Promise<TrailEnd> {
  const buffer = await readFile(path);
  const text = buffer.toString('utf8');
  const { entries, cutTail } = parseTrail(text);
  const { verified, problem } = findBreak(entries);
  if (problem) {
    throw new IrError(`the audit trail ${path} is broken at record ${problem.seq} (${problem.kind}): ` +
      'it cannot be continued', {
      code: 'AUDIT_BROKEN',
      source: 'input',
      exitCode: 1,
      hint: 'run ir audit verify on the incident; start a new incident and keep this one as it is',
    });
  }
  const last = verified.at(-1);
  if (last?.event === SEAL_EVENT && !reopenSealed) {
    throw new IrError(`the audit trail ${path} is sealed: the incident has finished`, {
      code: 'INCIDENT_FINISHED',
      source: 'input',
      hint: 'there is nothing to resume; start a new incident with ir contain',
    });
  }
  if (!cutTail) return { last };
  const kept = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
  const cutBytes = buffer.subarray(kept);
  await truncate(path, kept);
  await syncFile(path);
  const cut = { bytes: cutBytes.length, sha256: createHash('sha256').update(cutBytes).digest('hex'),
    text: cutBytes.toString('utf8') };
  return { last, cut };
}
