import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Owner-only modes: evidence holds raw secrets (an inspect.json carries the environment). */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export interface HashedFile {
  bytes: number;
  sha256: string;
}

/**
 * Creates a directory and any missing parents, owner-only. One level at a
 * time rather than Node's recursive mkdir, which spins forever on paths such
 * as /proc/x (it retries the ENOENT the kernel keeps giving).
 */
export async function makePrivateDir(path: string): Promise<void> {
  try {
    await mkdir(path, { mode: DIR_MODE });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(path)).isDirectory()) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    await makePrivateDir(parent);
    await mkdir(path, { mode: DIR_MODE });
  }
}

/** A pass-through stream that counts and hashes what flows through it. */
export class HashingPassThrough extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.push(chunk);
    done();
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Streams `source` into a new owner-only file, hashing as it goes, and syncs it
 * to disk before resolving so a crash after this point cannot lose it.
 */
export async function writeHashedFile(path: string, source: Readable): Promise<HashedFile> {
  await makePrivateDir(dirname(path));
  const hasher = new HashingPassThrough();
  await pipeline(source, hasher, createWriteStream(path, { mode: FILE_MODE, flags: 'wx' }));
  await syncFile(path);
  return { bytes: hasher.bytes, sha256: hasher.digest() };
}

/** Writes a small file whole (JSON, text) owner-only and synced. */
export async function writeSmallFile(path: string, content: string | Buffer): Promise<HashedFile> {
  await makePrivateDir(dirname(path));
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  await writeSynced(path, data, 'wx');
  return { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** Writes data owner-only and syncs it; `flag` 'wx' refuses to overwrite evidence. */
export async function writeSynced(path: string, data: string | Buffer, flag: 'w' | 'wx'): Promise<void> {
  const handle = await open(path, flag, FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether anything (a file, a directory, a dangling link) is at `path`; other errors than absence are thrown. */
export async function pathExists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return false;
    throw error;
  });
}

export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
