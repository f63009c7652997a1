import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncFile, writeSynced } from './hashed-file.js';

/**
 * Replaces a file whole: temp file, sync, rename, sync the directory; readers
 * never see half of it, and after a crash the rename itself is on disk. The
 * temp name is unique, so two writers racing (a signal handler and a step)
 * never share one temp file.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
  await writeSynced(temp, content, 'w');
  await rename(temp, path);
  // A directory syncs like a file: this puts the rename itself on disk.
  await syncFile(dirname(path));
}
