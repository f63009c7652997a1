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

/** A tar that cannot be read to its end; `truncated` when it simply stops, rather than holding garbage. */
export class TarReadError extends Error {
  constructor(message: string, readonly truncated: boolean) {
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
  const [fed, walked] = await Promise.allSettled([feed(path, parser), walk(parser, visit)]);
  if (walked.status === 'fulfilled' && walked.value === 'stopped') return;
  if (walked.status === 'rejected' && walked.reason instanceof IrError) throw walked.reason;
  const noEndMarker = fed.status === 'rejected' && fed.reason instanceof MissingEndMarker;
  if (walked.status === 'rejected') {
    const message = messageOf(walked.reason);
    throw new TarReadError(message, noEndMarker || /unexpected end/i.test(message));
  }
  if (fed.status === 'rejected') throw new TarReadError(messageOf(fed.reason), noEndMarker);
}

async function feed(path: string, parser: Extract): Promise<void> {
  let tail = Buffer.alloc(0);
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
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

async function walk(parser: Extract, visit: (entry: TarEntry) => Promise<boolean | void>): Promise<'done' | 'stopped'> {
  try {
    for await (const entry of parser) {
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
