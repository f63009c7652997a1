/**
 * Tees a tar stream: the raw bytes go to an owner-only evidence file while the
 * same bytes are parsed into a JSON-lines index of entries with content hashes.
 * Both branches wait for each other, so memory stays flat however big the tar.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { Extract } from 'tar-stream';
import { IrError, messageOf } from '../errors.js';
import { writeHashedFile, type HashedFile } from '../evidence/hashed-file.js';
import { hashRegularFile } from '../evidence/incident-files.js';
import { PartialCaptureError } from '../evidence/partial-capture.js';
import { describeTarEntry, extractRawNames } from '../evidence/tar-entry.js';
import { writeChunk } from './stream-frames.js';

export interface TarCapture {
  tar: HashedFile;
  index: HashedFile;
  entries: number;
}

/** What a failed tar capture left on disk; `tarComplete` is false when the stream itself stopped early. */
export interface PartialTarCapture extends TarCapture {
  tarComplete: boolean;
}


/** A tar ends with two zeroed 512-byte blocks; without them it was cut short. */
const END_MARKER_BYTES = 1024;

/** Options for one tar capture. */
export interface TarCaptureOptions {
  /** Stop reading once the archive is larger than this: CAPTURE_SIZE_LIMIT. */
  limitBytes?: number;
}

/** The stream passed the size limit; what was read so far is discarded by the caller. */
class SizeLimitReached extends Error {
  constructor(readonly limitBytes: number) {
    super(`larger than the limit of ${limitBytes} bytes`);
  }
}

/**
 * Copies `source` to `tarPath` and indexes it into `indexPath`, both new
 * owner-only files. Rejects with a `PartialCaptureError<PartialTarCapture>`
 * when the stream ends early, cannot be parsed or passes `limitBytes`; the
 * files stay on disk.
 */
export async function captureTar(
  source: Readable,
  tarPath: string,
  indexPath: string,
  options: TarCaptureOptions = {},
): Promise<TarCapture> {
  const tarOut = new PassThrough();
  const indexOut = new PassThrough();
  const files = Promise.allSettled([writeHashedFile(tarPath, tarOut), writeHashedFile(indexPath, indexOut)]);
  const parser = extractRawNames();
  // Parse errors surface through the entry iterator; this keeps a late one from going unhandled.
  parser.on('error', () => undefined);
  const counter = { entries: 0 };
  const [fed, indexed] = await Promise.allSettled([
    feed(source, tarOut, parser, options.limitBytes ?? Infinity),
    indexEntries(parser, indexOut, counter),
  ]);
  tarOut.end();
  indexOut.end();
  const [tar, index] = await files;
  const written = { tarPath, indexPath, entries: counter.entries };
  if (tar.status === 'rejected') throw await writeFailed(tarPath, tar.reason, written);
  if (index.status === 'rejected') throw await writeFailed(indexPath, index.reason, written);
  const result = { tar: tar.value, index: index.value, entries: counter.entries };
  if (fed.status === 'rejected' && fed.reason instanceof SizeLimitReached) throw tooLarge(result, fed.reason);
  if (fed.status === 'rejected') throw truncated(result, fed.reason);
  if (indexed.status === 'rejected') throw unparseable(result, indexed.reason);
  return result;
}

/** Sends every chunk to the file and, while it still accepts them, to the parser. */
async function feed(source: Readable, tarOut: Writable, parser: Extract, limitBytes: number): Promise<void> {
  let tail: Buffer = Buffer.alloc(0);
  let parsing = true;
  let bytes = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limitBytes) {
        // Closing the source makes the engine (or the exec'd tar) stop sending.
        source.destroy();
        throw new SizeLimitReached(limitBytes);
      }
      tail = keepTail(tail, chunk);
      const toParser = parsing ? writeChunk(parser, chunk).catch(() => { parsing = false; }) : undefined;
      await Promise.all([writeChunk(tarOut, chunk), toParser]);
    }
  } catch (error) {
    parser.destroy(error instanceof Error ? error : new Error(messageOf(error)));
    throw error;
  }
  if (parsing) parser.end(null);
  if (tail.length < END_MARKER_BYTES || tail.some((byte) => byte !== 0)) {
    throw new Error('the stream ended without the end-of-archive marker');
  }
}

function keepTail(tail: Buffer, chunk: Buffer): Buffer {
  if (chunk.length >= END_MARKER_BYTES) return Buffer.from(chunk.subarray(chunk.length - END_MARKER_BYTES));
  const joined = Buffer.concat([tail, chunk]);
  return joined.subarray(Math.max(0, joined.length - END_MARKER_BYTES));
}

async function indexEntries(parser: Extract, indexOut: Writable, counter: { entries: number }): Promise<void> {
  try {
    for await (const entry of parser) {
      const line = JSON.stringify(await describeTarEntry(entry)) + '\n';
      await writeChunk(indexOut, Buffer.from(line));
      counter.entries++;
    }
  } catch (error) {
    // Unblocks feed(), which then keeps writing the raw tar without the parser.
    parser.destroy(error instanceof Error ? error : new Error(messageOf(error)));
    throw error;
  }
}

/** Reads the entry to its end (the parser waits for that) and hashes regular files. */
function truncated(result: TarCapture, cause: unknown): PartialCaptureError<PartialTarCapture> {
  return new PartialCaptureError(`tar stream stopped early: ${messageOf(cause)}`, { ...result, tarComplete: false }, {
    code: 'CAPTURE_TAR_TRUNCATED',
    source: 'environment',
    hint: 'The files hold what arrived before the stream stopped; keep them and mark them partial.',
    cause,
  });
}

function tooLarge(result: TarCapture, cause: SizeLimitReached): PartialCaptureError<PartialTarCapture> {
  return new PartialCaptureError(`not captured: ${cause.message}`, { ...result, tarComplete: false }, {
    code: 'CAPTURE_SIZE_LIMIT',
    source: 'environment',
    hint: "raise the capture step's mountSizeLimit in the runbook, or copy it by hand",
    cause,
  });
}

function unparseable(result: TarCapture, cause: unknown): PartialCaptureError<PartialTarCapture> {
  return new PartialCaptureError(`could not parse the tar stream: ${messageOf(cause)}`, { ...result, tarComplete: true }, {
    code: 'CAPTURE_TAR_UNPARSEABLE',
    source: 'environment',
    hint: 'The raw tar was saved whole; only its index is incomplete. Inspect it with `tar -tvf`.',
    cause,
  });
}

/**
 * A write that failed (a full disk) leaves files cut short: they are hashed
 * as they are on disk, so the manifest can list them as partial rather than
 * leave them unlisted. Files never created make a plain error.
 */
async function writeFailed(
  path: string, cause: unknown, files: { tarPath: string; indexPath: string; entries: number },
): Promise<IrError> {
  const options = {
    code: 'CAPTURE_WRITE_FAILED',
    source: 'environment' as const,
    hint: 'Check free space and that the evidence directory is new and writable.',
    cause,
  };
  const message = `could not write ${path}: ${messageOf(cause)}`;
  const [tar, index] = await Promise.all([files.tarPath, files.indexPath].map(readBack));
  if (!tar || !index) return new IrError(message, options);
  const partial = { tar, index, entries: files.entries, tarComplete: false };
  return new PartialCaptureError(message, partial, options);
}

async function readBack(path: string): Promise<HashedFile | undefined> {
  const found = await hashRegularFile(path).catch(() => null);
  return found && found !== 'not-a-file' ? found : undefined;
}

export type { TarIndexEntry } from '../evidence/tar-entry.js';
