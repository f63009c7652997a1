import { open, type FileHandle } from 'node:fs/promises';
import { FILE_MODE } from '../evidence/hashed-file.js';
import type { Redactor } from '../redactor.js';
import { chainRecord, GENESIS_HASH, type Actor, type AuditRecord, type Outcome } from './chain.js';

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

  private constructor(
    private readonly handle: FileHandle,
    private readonly context: AuditContext,
    private readonly redactor: Redactor,
  ) {}

  static async create(path: string, context: AuditContext, redactor: Redactor): Promise<AuditTrail> {
    const handle = await open(path, 'wx', FILE_MODE);
    return new AuditTrail(handle, context, redactor);
  }

  /** Appends one record; details pass through the redactor first. */
  append(event: string, outcome: Outcome, details: Record<string, unknown> = {}): Promise<AuditRecord> {
    const next = this.queue.then(() => this.write(event, outcome, details));
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
