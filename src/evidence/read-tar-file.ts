/**
 * Reads a tar file entry by entry as a stream: nothing but the entry being
 * read is held in memory, however big the tar.
 */
import { createReadStream } from 'node:fs';
import { extract, type Extract } from 'tar-stream';
import { extractRawNames, type TarStreamEntry as TarEntry } from './tar-entry.js';
import { writeChunk } from '../docker/stream-frames.js';
import { IrError, messageOf } from '../errors.js';

export type { TarStreamEntry as TarEntry } from './tar-entry.js';

/** Why a tar could not be read: it stops early, it never was a tar, or it turns to garbage. */
export type TarReadFailure = 'truncated' | 'not-a-tar' | 'corrupt';

/** A tar that cannot be read to its end; the message is ours, in plain words, not the parser's. */
export class TarReadError extends Error {
  constructor(message: string, readonly failure: TarReadFailure) {
    super(message);
    this.name = 'TarReadError';
  }
}

/** A tar ends with two zeroed 512-byte blocks; without them it was cut short at an entry boundary. */
const END_MARKER_BYTES = 1024;

class MissingEndMarker extends Error {}

export interface ReadTarOptions {
  /** Read names as latin1 strings of their raw bytes (`extractRawNames`), as `describeTarEntry` needs them. */
  rawNames?: boolean;
  /** Stops reading when it aborts; its reason is what readTarFile then throws. */
  signal?: AbortSignal;
}

/**
 * Streams the tar at `path` and hands each entry to `visit`, which must read
 * the entry's content to its end (the parser waits for that). `visit`
 * returning false stops the walk. Rejects with a `TarReadError` when the tar
 * is cut short or malformed; an `IrError` thrown by `visit` passes through.
 */
export async function readTarFile(
  path: string, visit: (entry: TarEntry) => Promise<boolean | void>, options: ReadTarOptions = {},
): Promise<void> {
  const parser = options.rawNames ? extractRawNames() : extract();
  // Parse errors surface through the entry iterator; this keeps a late one from going unhandled.
  parser.on('error', () => undefined);
  const seen = { entries: 0 };
  const [fed, walked] = await Promise.allSettled([
    feed(path, parser, options.signal), walk(parser, visit, seen),
  ]);
  options.signal?.throwIfAborted();
  if (walked.status === 'fulfilled' && walked.value === 'stopped') return;
  if (walked.status === 'rejected' && walked.reason instanceof IrError) throw walked.reason;
  if (walked.status === 'rejected' || fed.status === 'rejected') {
    throw failureOf(fed, walked, seen.entries);
  }
}

/**
 * Names what went wrong from what tar-stream said: its "Invalid tar header"
 * means bytes that are not a header; anything else at a missing end marker is a cut.
 */
function failureOf(
  fed: PromiseSettledResult<void>, walked: PromiseSettledResult<unknown>, entries: number,
): TarReadError {
  const failed = walked.status === 'rejected' ? walked : (fed as PromiseRejectedResult);
  const message = messageOf(failed.reason);
  if (/invalid tar header/i.test(message)) {
    return entries === 0 ? new TarReadError('it is not a tar archive', 'not-a-tar')
      : new TarReadError(`what follows entry ${entries} is not a tar header`, 'corrupt');
  }
  const noEndMarker = fed.status === 'rejected' && fed.reason instanceof MissingEndMarker;
  if (noEndMarker && walked.status === 'fulfilled') {
    return new TarReadError(messageOf(fed.reason), 'truncated');
  }
  if (noEndMarker || /unexpected end/i.test(message)) {
    return new TarReadError('the tar ends in the middle of an entry', 'truncated');
  }
  return new TarReadError(message, 'corrupt');
}

async function feed(path: string, parser: Extract, signal?: AbortSignal): Promise<void> {
  let tail = Buffer.alloc(0);
  try {
    for await (const chunk of createReadStream(path, { signal }) as AsyncIterable<Buffer>) {
      tail = Buffer.concat([tail, chunk]).subarray(-END_MARKER_BYTES);
      await writeChunk(parser, chunk);
    }
  } catch (error) {
    parser.destroy(error instanceof Error ? error : new Error(messageOf(error)));
    throw error;
  }
  parser.end(null);
  if (tail.length < END_MARKER_BYTES || tail.some((byte) => byte !== 0)) {
    throw new MissingEndMarker('the tar ends without its end-of-archive marker');
  }
}

async function walk(
  parser: Extract, visit: (entry: TarEntry) => Promise<boolean | void>, seen: { entries: number },
): Promise<'done' | 'stopped'> {
  try {
    for await (const entry of parser) {
      seen.entries++;
      // Leaving the loop destroys the parser, which also ends feed().
      if ((await visit(entry)) === false) return 'stopped';
    }
    return 'done';
  } catch (error) {
    // Unblocks feed(), which may be waiting for the parser to drain.
    parser.destroy(error instanceof Error ? error : new Error(messageOf(error)));
    throw error;
  }
}
