import { rename } from 'node:fs/promises';
import { writeSynced } from './hashed-file.js';

/** Replaces a file whole: temp file, sync, rename; readers never see half of it. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeSynced(temp, content, 'w');
  await rename(temp, path);
}
