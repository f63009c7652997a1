import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// The package is CommonJS with an ES-style default in its types; take whichever is the function.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ??
  canonicalizeModule) as unknown as (input: unknown) => string | undefined;

/**
 * Who acted: the OS account and machine `ir` ran on, the person who said they
 * ran it (`--operator`), and once AWS has been asked, the ARN AWS calls ran as
 * (on a compromised host the SDK may silently fall back to an instance role).
 */
export interface Actor {
  user: string;
  host: string;
  operator?: string;
  awsArn?: string;
}

export type Outcome = 'started' | 'succeeded' | 'failed' | 'skipped' | 'refused' | 'info';

/** One line of audit.jsonl. `hash` covers every other field in RFC 8785 form. */
export interface AuditRecord {
  seq: number;
  time: string;
  incident: string;
  actor: Actor;
  event: string;
  target: string;
  outcome: Outcome;
  details: Record<string, unknown>;
  prev: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** RFC 8785 canonical JSON: the bytes that are hashed and signed. */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? '';
}

/** SHA-256 over the canonical JSON of a record without its own hash. */
export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { hash: _ignored, ...body } = record as AuditRecord;
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** Seals a record body into a chained record following `prev`. */
export function chainRecord(body: Omit<AuditRecord, 'hash'>): AuditRecord {
  return { ...body, hash: hashRecord(body) };
}

export interface ChainCheck {
  ok: boolean;
  records: number;
  /** Sequence number of the first record that does not fit, with why. */
  brokenAt?: number;
  reason?: string;
}

/** Recomputes the chain: each hash must match its record and each prev its predecessor. */
export function verifyChain(records: AuditRecord[]): ChainCheck {
  let prev = GENESIS_HASH;
  for (const [index, record] of records.entries()) {
    const fail = (reason: string): ChainCheck => ({ ok: false, records: records.length, brokenAt: record.seq, reason });
    if (record.seq !== index + 1) return fail(`expected sequence ${index + 1}, found ${record.seq}`);
    if (record.prev !== prev) return fail('prev does not match the previous record (removed, inserted or reordered)');
    if (hashRecord(record) !== record.hash) return fail('hash does not match the record (edited)');
    prev = record.hash;
  }
  return { ok: true, records: records.length };
}
