import { open, rename } from 'node:fs/promises';
import { FILE_MODE } from './hashed-file.js';

/** Replaces a file whole: temp file, sync, rename; readers never see half of it. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', FILE_MODE);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}
