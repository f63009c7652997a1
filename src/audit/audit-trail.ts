import { open, type FileHandle } from 'node:fs/promises';
import { FILE_MODE } from '../evidence/hashed-file.js';
import { IrError } from '../errors.js';
import type { Redactor } from '../redactor.js';
import { chainRecord, GENESIS_HASH, type Actor, type AuditRecord, type Outcome } from './chain.js';
import { prepareTrailForAppend } from './reopen-trail.js';

/** The event of a trail's last record: the count of records before it and the hash of the last. */
export const SEAL_EVENT = 'audit.sealed';

/** The record `ir resume` writes on reopening a trail; the only one that may follow a seal. */
export const RESUMED_EVENT = 'incident.resumed';

export interface AuditContext {
  incident: string;
  actor: Actor;
  target: string;
}

/**
 * The incident's append-only, hash-chained audit trail. Each record is synced
 * to disk before `append` resolves, so a crash cannot lose a record of
 * something that already happened.
 */
export class AuditTrail {
  private seq = 0;
  private prev = GENESIS_HASH;
  private queue: Promise<unknown> = Promise.resolve();
  private sealed = false;
  /** Set when `ir` must stop at once: later appends are refused so the trail ends on a whole record. */
  private closing = false;

  private constructor(
    private readonly handle: FileHandle,
    private context: AuditContext,
    private readonly redactor: Redactor,
  ) {}

  static async create(path: string, context: AuditContext, redactor: Redactor): Promise<AuditTrail> {
    const handle = await open(path, 'wx', FILE_MODE);
    return new AuditTrail(handle, context, redactor);
  }

  /**
   * Reopens a trail to continue its chain (`ir resume`) and records
   * `incident.resumed` with `details`. The chain is verified first; a last
   * line cut mid-way by a crash is taken off the file and recorded, bytes,
   * hash and text, just before. A sealed trail is reopened only with
   * `reopenSealed` (failed steps to finish): `incident.resumed` then follows
   * the seal directly, which is what `ir audit verify` accepts after a seal.
   */
  static async reopen(
    path: string, context: AuditContext, redactor: Redactor,
    resumed: { details: Record<string, unknown>; reopenSealed: boolean },
  ): Promise<AuditTrail> {
    const { last, cut } = await prepareTrailForAppend(path, resumed.reopenSealed);
    const trail = new AuditTrail(await open(path, 'a', FILE_MODE), context, redactor);
    trail.seq = last?.seq ?? 0;
    trail.prev = last?.hash ?? GENESIS_HASH;
    if (cut) await trail.append('audit.cut-line-removed', 'info', { ...cut, after: trail.seq });
    await trail.append(RESUMED_EVENT, 'started', resumed.details);
    return trail;
  }

  /** Appends one record; details pass through the redactor first. */
  append(event: string, outcome: Outcome, details: Record<string, unknown> = {}): Promise<AuditRecord> {
    if (this.sealed) {
      throw new IrError(`audit record ${event} after the trail was sealed`, { code: 'AUDIT_SEALED', source: 'internal' });
    }
    if (this.closing) return Promise.reject(stopping(event));
    return this.enqueue(() => this.write(event, outcome, details));
  }

  /**
   * The last record before `ir` stops at once (a second Ctrl-C): it is queued
   * after every record already asked for, nothing is accepted after it, and
   * it resolves once it is on disk.
   */
  appendLast(event: string, outcome: Outcome, details: Record<string, unknown> = {}): Promise<AuditRecord> {
    const record = this.append(event, outcome, details);
    this.closing = true;
    return record;
  }

  /** Facts about the actor learnt mid-incident (the AWS identity): every later record carries them. */
  extendActor(extra: Partial<Actor>): void {
    this.context = { ...this.context, actor: { ...this.context.actor, ...extra } };
  }

  /**
   * Appends the seal: the number of records before it and the hash of the
   * last of them, read once every earlier append is on disk. Nothing may follow.
   */
  seal(): Promise<AuditRecord> {
    this.sealed = true;
    return this.enqueue(() => this.write(SEAL_EVENT, 'info', { records: this.seq, finalHash: this.prev }));
  }

  private enqueue(write: () => Promise<AuditRecord>): Promise<AuditRecord> {
    const next = this.queue.then(write);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async write(event: string, outcome: Outcome, details: Record<string, unknown>): Promise<AuditRecord> {
    const record = chainRecord({
      seq: this.seq + 1,
      time: new Date().toISOString(),
      ...this.context,
      event,
      outcome,
      details: this.redactor.redactValue(details),
      prev: this.prev,
    });
    await this.handle.appendFile(`${JSON.stringify(record)}\n`);
    await this.handle.datasync();
    this.seq = record.seq;
    this.prev = record.hash;
    return record;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle.close();
  }
}

function stopping(event: string): IrError {
  return new IrError(`audit record ${event} after ir began to stop`, {
    code: 'AUDIT_CLOSING',
    source: 'internal',
  });
}
