import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Where evidence would go and how much room is there. */
export interface SpaceFacts {
  dir: string;
  /** Bytes free to an unprivileged writer; absent when it could not be read. */
  freeBytes?: number;
}

/** Free space of the evidence directory, or of its nearest existing parent (made at the run). */
export async function readSpace(evidenceDir: string): Promise<SpaceFacts> {
  const dir = resolve(evidenceDir);
  for (let at = dir; ; at = dirname(at)) {
    try {
      const stats = await statfs(at);
      return { dir, freeBytes: stats.bavail * stats.bsize };
    } catch {
      if (dirname(at) === at) return { dir };
    }
  }
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB": sizes for people. */
export function describeBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${UNITS[unit]}`;
}
