import { open, type FileHandle } from 'node:fs/promises';
import { FILE_MODE } from '../evidence/hashed-file.js';
import { IrError } from '../errors.js';
import type { Redactor } from '../redactor.js';
import { chainRecord, GENESIS_HASH, type Actor, type AuditRecord, type Outcome } from './chain.js';

/** The event of a trail's last record: the count of records before it and the hash of the last. */
export const SEAL_EVENT = 'audit.sealed';

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

  private constructor(
    private readonly handle: FileHandle,
    private context: AuditContext,
    private readonly redactor: Redactor,
  ) {}

  static async create(path: string, context: AuditContext, redactor: Redactor): Promise<AuditTrail> {
    const handle = await open(path, 'wx', FILE_MODE);
    return new AuditTrail(handle, context, redactor);
  }

  /** Appends one record; details pass through the redactor first. */
  append(event: string, outcome: Outcome, details: Record<string, unknown> = {}): Promise<AuditRecord> {
    if (this.sealed) {
      throw new IrError(`audit record ${event} after the trail was sealed`, { code: 'AUDIT_SEALED', source: 'internal' });
    }
    return this.enqueue(() => this.write(event, outcome, details));
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
