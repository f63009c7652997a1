import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureTar, type TarIndexEntry } from '../../src/docker/tar-index.js';
import { PartialCaptureError } from '../../src/evidence/partial-capture.js';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const MTIME = new Date('2024-05-01T12:00:00.000Z');
const CONTENT = 'GROQ client config\n'.repeat(100);

async function sampleTar(): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name: 'app/', type: 'directory', mode: 0o755, uid: 1000, gid: 1000, mtime: MTIME });
  archive.entry({ name: 'app/config.txt', mode: 0o4750, uid: 1000, gid: 1000, mtime: MTIME }, CONTENT);
  archive.entry({ name: 'app/current', type: 'symlink', linkname: 'config.txt', mode: 0o777, mtime: MTIME });
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Feeds the buffer in small pieces so entries straddle chunk boundaries. */
function chunked(data: Buffer, size = 100): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) pieces.push(data.subarray(i, i + size));
  return Readable.from(pieces);
}

async function readIndex(path: string): Promise<TarIndexEntry[]> {
  const text = await readFile(path, 'utf8');
  return text.trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line) as TarIndexEntry);
}

describe('captureTar', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ir-tar-index-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('stops reading at the size limit and says so', async () => {
    const tar = await sampleTar();
    const source = chunked(tar);
    const error = await captureTar(source, join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl'), { limitBytes: 1024 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CAPTURE_SIZE_LIMIT', message: expect.stringMatching(/limit of 1024 bytes/) });
    expect(source.destroyed).toBe(true);
  });

  it('copies the tar byte for byte and indexes every entry with content hashes', async () => {
    const tar = await sampleTar();
    const result = await captureTar(chunked(tar), join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl'));

    expect(result.tar).toEqual({ bytes: tar.length, sha256: sha256(tar) });
    expect(await readFile(join(dir, 'fs.tar'))).toEqual(tar);
    const indexText = await readFile(join(dir, 'fs.index.jsonl'));
    expect(result.index).toEqual({ bytes: indexText.length, sha256: sha256(indexText) });
    expect(result.entries).toBe(3);

    expect(await readIndex(join(dir, 'fs.index.jsonl'))).toEqual([
      { path: 'app/', type: 'directory', size: 0, mode: '0755', uid: 1000, gid: 1000, mtime: MTIME.toISOString() },
      {
        path: 'app/config.txt', type: 'file', size: CONTENT.length, mode: '4750', uid: 1000, gid: 1000,
        mtime: MTIME.toISOString(), sha256: sha256(CONTENT),
      },
      {
        path: 'app/current', type: 'symlink', size: 0, mode: '0777', uid: 0, gid: 0,
        mtime: MTIME.toISOString(), linkname: 'config.txt',
      },
    ]);
  });

  it('writes both files owner-only', async () => {
    await captureTar(chunked(await sampleTar()), join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl'));
    expect((await stat(join(dir, 'fs.tar'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'fs.index.jsonl'))).mode & 0o777).toBe(0o600);
  });

  it('rejects a tar cut off inside a file but keeps what arrived on disk', async () => {
    const tar = await sampleTar();
    const cut = tar.subarray(0, 512 * 2 + 700);
    const error = await captureTar(chunked(cut), join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl'))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PartialCaptureError);
    const partial = error as PartialCaptureError<{ tar: { bytes: number; sha256: string }; tarComplete: boolean }>;
    expect(partial.code).toBe('CAPTURE_TAR_TRUNCATED');
    expect(partial.partial.tarComplete).toBe(false);
    expect(partial.partial.tar).toEqual({ bytes: cut.length, sha256: sha256(cut) });
    expect(await readFile(join(dir, 'fs.tar'))).toEqual(cut);
    expect((await readIndex(join(dir, 'fs.index.jsonl'))).map((entry) => entry.path)).toEqual(['app/']);
  });

  it('rejects a tar cut off between entries, where only the end-of-archive marker is missing', async () => {
    const tar = await sampleTar();
    const cut = tar.subarray(0, tar.length - 1024);
    await expect(captureTar(chunked(cut), join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl')))
      .rejects.toMatchObject({ code: 'CAPTURE_TAR_TRUNCATED' });
  });

  it('rejects a stream that is not a tar but still saves its bytes', async () => {
    const junk = Buffer.from('OCI runtime exec failed: exec: "tar": executable file not found\r\n'.repeat(20));
    const error = await captureTar(chunked(junk), join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl'))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartialCaptureError);
    expect(await readFile(join(dir, 'fs.tar'))).toEqual(junk);
  });

  it('rejects when the source stream errors, keeping the bytes so far', async () => {
    const tar = await sampleTar();
    async function* failing(): AsyncGenerator<Buffer> {
      yield tar.subarray(0, 1024);
      throw new Error('socket hang up');
    }
    const error = await captureTar(Readable.from(failing()), join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl'))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CAPTURE_TAR_TRUNCATED', message: expect.stringContaining('socket hang up') });
    expect(await readFile(join(dir, 'fs.tar'))).toEqual(tar.subarray(0, 1024));
  });

  it('refuses to overwrite existing evidence', async () => {
    const tar = await sampleTar();
    await captureTar(chunked(tar), join(dir, 'fs.tar'), join(dir, 'fs.index.jsonl'));
    await expect(captureTar(chunked(tar), join(dir, 'fs.tar'), join(dir, 'other.jsonl')))
      .rejects.toMatchObject({ code: 'CAPTURE_WRITE_FAILED' });
  });
});
