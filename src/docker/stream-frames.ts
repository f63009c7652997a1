/**
 * Stream plumbing shared by the captures: writes that honour back-pressure and
 * the demultiplexer for Docker's framed stdout/stderr streams.
 */

/** The part of a Node or streamx writable that writeChunk needs. */
export interface ChunkWritable {
  readonly destroyed: boolean;
  write(chunk: Buffer): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Writes one chunk, waiting for 'drain' when the stream asks to, so nothing piles up in memory. */
export function writeChunk(stream: ChunkWritable, chunk: Buffer): Promise<void> {
  if (stream.destroyed) return Promise.reject(new Error('the output stream was closed'));
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      stream.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      stream.off('drain', onDrain);
      reject(new Error('the output stream was closed'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}

export type FrameSink = (chunk: Buffer) => Promise<void> | void;

/**
 * Splits Docker's multiplexed stream (frames with an 8-byte header: stream
 * type, three zero bytes, big-endian payload length) into stdout and stderr,
 * awaiting each sink so back-pressure reaches the engine. dockerode's own
 * demuxStream ignores back-pressure and re-copies its buffer on every chunk.
 * A log with timestamps is one frame per line, so consecutive payloads for
 * the same stream are handed over together, once per chunk received, rather
 * than a write per line.
 */
export async function demuxFrames(
  source: AsyncIterable<unknown>,
  sinks: { stdout: FrameSink; stderr: FrameSink },
): Promise<void> {
  const frames = new FrameReader(sinks);
  for await (const chunk of source as AsyncIterable<Buffer>) await frames.read(chunk);
  frames.end();
}

class FrameReader {
  /** A header cut by a chunk boundary, kept until the rest arrives. */
  private header: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  private sink: FrameSink;
  private batch: Buffer[] = [];
  private batchSink: FrameSink;

  constructor(private readonly sinks: { stdout: FrameSink; stderr: FrameSink }) {
    this.sink = sinks.stdout;
    this.batchSink = sinks.stdout;
  }

  async read(chunk: Buffer): Promise<void> {
    try {
      let offset = 0;
      while (offset < chunk.length) {
        offset = this.remaining > 0 ? await this.takePayload(chunk, offset) : this.takeHeader(chunk, offset);
      }
    } finally {
      // What arrived before a bad frame is still written, so a partial capture keeps it.
      await this.flush();
    }
  }

  end(): void {
    if (this.header.length > 0 || this.remaining > 0) throw new Error('the stream ended in the middle of a frame');
  }

  private async takePayload(chunk: Buffer, offset: number): Promise<number> {
    const end = Math.min(chunk.length, offset + this.remaining);
    if (this.sink !== this.batchSink) {
      await this.flush();
      this.batchSink = this.sink;
    }
    this.batch.push(chunk.subarray(offset, end));
    this.remaining -= end - offset;
    return end;
  }

  private takeHeader(chunk: Buffer, offset: number): number {
    let header: Buffer;
    let next: number;
    if (this.header.length === 0 && chunk.length - offset >= 8) {
      header = chunk.subarray(offset, offset + 8);
      next = offset + 8;
    } else {
      next = Math.min(chunk.length, offset + 8 - this.header.length);
      this.header = Buffer.concat([this.header, chunk.subarray(offset, next)]);
      if (this.header.length < 8) return next;
      header = this.header;
      this.header = Buffer.alloc(0);
    }
    this.sink = sinkFor(header[0], this.sinks);
    this.remaining = header.readUInt32BE(4);
    return next;
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const out = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch);
    this.batch = [];
    await this.batchSink(out);
  }
}

function sinkFor(streamType: number | undefined, sinks: { stdout: FrameSink; stderr: FrameSink }): FrameSink {
  // 0 (stdin) is written to stdout by the engine; 3 is an engine-side error, kept with stderr.
  if (streamType === 0 || streamType === 1) return sinks.stdout;
  if (streamType === 2 || streamType === 3) return sinks.stderr;
  throw new Error(`not a multiplexed stream (frame type ${streamType}); was the container started with a TTY?`);
}
