import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IrError, messageOf } from '../errors.js';
import type { AuditRecord } from './chain.js';

export const AUDIT_FILE = 'audit.jsonl';

/** audit.jsonl as read: one entry a line, undefined where a line is not a record. */
export interface TrailFile {
  entries: (AuditRecord | undefined)[];
  /** The last line has no newline and is not a record: a write cut short by a crash. It is not in `entries`. */
  cutTail: boolean;
}

/** Reads `dir/audit.jsonl`; a missing directory or trail is bad input, not a broken trail. */
export async function readTrailFile(dir: string): Promise<TrailFile> {
  let text: string;
  try {
    text = await readFile(join(dir, AUDIT_FILE), 'utf8');
  } catch (error) {
    const absent = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new IrError(absent ? `${dir} is not an incident: it has no ${AUDIT_FILE}`
      : `cannot read ${join(dir, AUDIT_FILE)}: ${messageOf(error)}`, {
      code: absent ? 'NOT_AN_INCIDENT' : 'AUDIT_UNREADABLE',
      source: 'input',
      hint: absent ? 'name an incident directory written by ir contain'
        : 'run ir as the user who owns the incident directory',
    });
  }
  return parseTrail(text);
}

/**
 * Splits the trail into records. Every record is written with its newline in
 * one append, so only the last line can be cut short, and only by a crash:
 * that is reported apart from a damaged line in the middle.
 */
export function parseTrail(text: string): TrailFile {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const entries = lines.map(parseRecord);
  if (last === '') return { entries, cutTail: false };
  const record = parseRecord(last);
  if (record) return { entries: [...entries, record], cutTail: false };
  return { entries, cutTail: true };
}

function parseRecord(line: string): AuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const record = value as Partial<AuditRecord> | null;
  const shaped = typeof record === 'object' && record !== null && !Array.isArray(record) &&
    typeof record.seq === 'number' && typeof record.prev === 'string' && typeof record.hash === 'string';
  return shaped ? (record as AuditRecord) : undefined;
}
