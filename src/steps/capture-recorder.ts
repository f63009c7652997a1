import { rm } from 'node:fs/promises';
import { IrError, messageOf } from '../errors.js';
import { isDiskFull } from '../evidence/disk-reserve.js';
import type { HashedFile } from '../evidence/hashed-file.js';
import { evidencePath } from '../evidence/item.js';
import { PartialCaptureError } from '../evidence/partial-capture.js';
import type { StepContext } from './step-context.js';

/** A file a capture produced, before it joins the manifest. */
export interface CapturedFile {
  path: string;
  file: HashedFile;
  /** Something a reader of the file must know, e.g. that a TTY mixes stdout and stderr. */
  note?: string;
}

/** One capture to run and how to read its failures. */
export interface CaptureJob {
  what: string;
  /** The API call that produces it, for the manifest. */
  source: string;
  run(): Promise<CapturedFile[]>;
  /** The files a PartialCaptureError says were left on disk. */
  leftovers?(partial: unknown): CapturedFile[];
  /** Failures that mean there is nothing to capture, not that capturing failed. */
  isGap?(error: unknown): boolean;
}

/**
 * Runs one capture and files its result in the bundle: whole files as items,
 * what a broken capture left as partial items, and the failure as a gap.
 * Never throws, so one failed item does not cost the others.
 */
export class CaptureRecorder {
  readonly failures: string[] = [];
  readonly gaps: string[] = [];
  /** Set once a write found the evidence disk full: nothing after it is attempted. */
  diskFull = false;

  constructor(
    private readonly ctx: Pick<StepContext, 'bundle' | 'incidentDir' | 'audit' | 'diskReserve'>,
  ) {}

  /** Runs the job; resolves true when it captured everything, false when it recorded a failure or gap. */
  async capture(job: CaptureJob): Promise<boolean> {
    const { what, source } = job;
    const startedAt = new Date().toISOString();
    if (this.diskFull) return this.fail(what, 'not attempted: the evidence disk is full', []);
    try {
      this.addFiles(await job.run(), { startedAt, source });
      return true;
    } catch (error) {
      const reason = error instanceof IrError ? error.message : messageOf(error);
      const partial = error instanceof PartialCaptureError ? (job.leftovers?.(error.partial) ?? []) : [];
      if (job.isGap?.(error)) {
        // Nothing half-copied stays behind to be mistaken for evidence.
        await Promise.all(partial.map(({ path }) => rm(path, { force: true })));
        await this.gap(what, reason);
        return false;
      }
      if (isDiskFull(error)) {
        // Room for the records that say so; later parts would only fill it again.
        this.diskFull = true;
        await this.ctx.diskReserve?.release();
      }
      const kept = await this.dropEmpty(partial);
      this.addFiles(kept, { startedAt, source, partial: true });
      return this.fail(what, reason, kept);
    }
  }

  private async fail(what: string, reason: string, partial: CapturedFile[]): Promise<false> {
    this.ctx.bundle.addMissing({ what, reason });
    this.failures.push(`${what}: ${reason}`);
    const details = { what, reason, partialFiles: partial.length };
    await this.ctx.audit.append('capture.item.failed', 'failed', details);
    return false;
  }

  /** Something that cannot be captured at all: recorded, not a failure of the step. */
  async gap(what: string, reason: string): Promise<void> {
    this.ctx.bundle.addMissing({ what, reason });
    this.gaps.push(`${what}: ${reason}`);
    await this.ctx.audit.append('capture.item.missing', 'skipped', { what, reason });
  }

  /** An empty file left by a failed capture says nothing: removed, so only the gap speaks for it. */
  private async dropEmpty(files: CapturedFile[]): Promise<CapturedFile[]> {
    const empty = files.filter(({ file }) => file.bytes === 0);
    await Promise.all(empty.map(({ path }) => rm(path, { force: true })));
    return files.filter(({ file }) => file.bytes > 0);
  }

  private addFiles(files: CapturedFile[], meta: { startedAt: string; source: string; partial?: boolean }): void {
    const finishedAt = new Date().toISOString();
    for (const { path, file, note } of files) {
      this.ctx.bundle.add({
        path: evidencePath(this.ctx.incidentDir, path),
        bytes: file.bytes,
        sha256: file.sha256,
        startedAt: meta.startedAt,
        finishedAt,
        source: meta.source,
        ...(meta.partial ? { partial: true } : {}),
        ...(note ? { note } : {}),
      });
    }
  }
}
