import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSynced } from './hashed-file.js';

/**
 * Room kept on the evidence disk for the record of a failure: when a capture
 * fills the disk, the audit records, journal and manifest that say so still
 * need space. 256 KiB holds them many times over.
 */
export const RESERVE_BYTES = 256 * 1024;

/** Errno codes of a full disk or quota. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** Whether an error, or one it wraps, is the disk being full. */
export function isDiskFull(error: unknown): boolean {
  let at = error;
  for (let depth = 0; at && depth < 6; depth++) {
    if (FULL.has((at as NodeJS.ErrnoException).code ?? '')) return true;
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}

/** A file of random bytes (so a compressing file system cannot shrink it), deleted to make room. */
export class DiskReserve {
  private released = false;

  private constructor(readonly path: string) {}

  /** Named like writeFileAtomic's leftovers: if `ir` is killed mid-run, verify does not object. */
  static async create(dir: string, bytes = RESERVE_BYTES): Promise<DiskReserve> {
    const path = join(dir, `disk-reserve.${process.pid}.tmp`);
    await writeSynced(path, randomBytes(bytes), 'wx');
    return new DiskReserve(path);
  }

  /** Removes what a killed run's reserve left in `dir`; its lock is ours now, so nothing else uses them. */
  static async removeLeftovers(dir: string): Promise<void> {
    const names = (await readdir(dir)).filter((name) => /^disk-reserve\.\d+\.tmp$/.test(name));
    await Promise.all(names.map((name) => rm(join(dir, name), { force: true })));
  }

  /** Frees the room; once is enough, later calls do nothing. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await rm(this.path, { force: true });
  }
}
