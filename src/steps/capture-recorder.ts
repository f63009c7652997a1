import { IrError, messageOf } from '../errors.js';
import type { HashedFile } from '../evidence/hashed-file.js';
import { evidencePath } from '../evidence/item.js';
import { PartialCaptureError } from '../docker/tar-index.js';
import type { StepContext } from './step-context.js';

/** A file a capture produced, before it joins the manifest. */
export interface CapturedFile {
  path: string;
  file: HashedFile;
}

/**
 * Runs one capture and files its result in the bundle: whole files as items,
 * what a broken capture left as partial items, and the failure as a gap.
 * Never throws, so one failed item does not cost the others.
 */
export class CaptureRecorder {
  readonly failures: string[] = [];
  readonly gaps: string[] = [];

  constructor(private readonly ctx: Pick<StepContext, 'bundle' | 'incidentDir' | 'audit'>) {}

  async capture(
    what: string,
    source: string,
    run: () => Promise<CapturedFile[]>,
    leftovers: (partial: unknown) => CapturedFile[] = () => [],
  ): Promise<void> {
    const startedAt = new Date().toISOString();
    try {
      const files = await run();
      this.addFiles(files, { startedAt, source });
    } catch (error) {
      const partial = error instanceof PartialCaptureError ? leftovers(error.partial) : [];
      this.addFiles(partial, { startedAt, source, partial: true });
      const reason = error instanceof IrError ? error.message : messageOf(error);
      this.ctx.bundle.addMissing({ what, reason });
      this.failures.push(`${what}: ${reason}`);
      await this.ctx.audit.append('capture.item.failed', 'failed', { what, reason, partialFiles: partial.length });
    }
  }

  /** Something that cannot be captured at all: recorded, not a failure of the step. */
  async gap(what: string, reason: string): Promise<void> {
    this.ctx.bundle.addMissing({ what, reason });
    this.gaps.push(`${what}: ${reason}`);
    await this.ctx.audit.append('capture.item.missing', 'skipped', { what, reason });
  }

  private addFiles(files: CapturedFile[], meta: { startedAt: string; source: string; partial?: boolean }): void {
    const finishedAt = new Date().toISOString();
    for (const { path, file } of files) {
      this.ctx.bundle.add({
        path: evidencePath(this.ctx.incidentDir, path),
        bytes: file.bytes,
        sha256: file.sha256,
        startedAt: meta.startedAt,
        finishedAt,
        source: meta.source,
        ...(meta.partial ? { partial: true } : {}),
      });
    }
  }
}
