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
 */
export async function demuxFrames(
  source: AsyncIterable<unknown>,
  sinks: { stdout: FrameSink; stderr: FrameSink },
): Promise<void> {
  let header: Buffer = Buffer.alloc(0);
  let remaining = 0;
  let sink = sinks.stdout;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining > 0) {
        const piece = chunk.subarray(offset, offset + remaining);
        offset += piece.length;
        remaining -= piece.length;
        await sink(piece);
        continue;
      }
      const take = chunk.subarray(offset, offset + 8 - header.length);
      offset += take.length;
      header = Buffer.concat([header, take]);
      if (header.length < 8) continue;
      sink = sinkFor(header[0], sinks);
      remaining = header.readUInt32BE(4);
      header = Buffer.alloc(0);
    }
  }
  if (header.length > 0 || remaining > 0) throw new Error('the stream ended in the middle of a frame');
}

function sinkFor(streamType: number | undefined, sinks: { stdout: FrameSink; stderr: FrameSink }): FrameSink {
  // 0 (stdin) is written to stdout by the engine; 3 is an engine-side error, kept with stderr.
  if (streamType === 0 || streamType === 1) return sinks.stdout;
  if (streamType === 2 || streamType === 3) return sinks.stderr;
  throw new Error(`not a multiplexed stream (frame type ${streamType}); was the container started with a TTY?`);
}
