import { describe, expect, it } from 'vitest';
import { demuxFrames } from '../../src/docker/stream-frames.js';

/** One frame of the engine's multiplexed stream: type, three zero bytes, length, payload. */
function frame(type: number, payload: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(Buffer.byteLength(payload), 4);
  return Buffer.concat([header, Buffer.from(payload)]);
}

function* pieces(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function demux(chunks: Iterable<Buffer>) {
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const result = demuxFrames(chunks as AsyncIterable<unknown> & Iterable<Buffer>, {
    stdout: (chunk) => { out.stdout.push(Buffer.from(chunk)); },
    stderr: (chunk) => { out.stderr.push(Buffer.from(chunk)); },
  });
  const text = () => ({ stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString() });
  return { result, text, writes: () => out.stdout.length + out.stderr.length };
}

// A timestamped log: one frame per line, stdout and stderr interleaved, an empty frame among them.
const lines = Array.from({ length: 200 }, (_, i) => `2026-12-03T03:15:02.${String(i).padStart(9, '0')}Z line ${i}\n`);
const stream = Buffer.concat([
  ...lines.map((line, i) => frame(i % 10 === 9 ? 2 : 1, line)),
  frame(1, ''),
  frame(2, 'last words\n'),
]);
const expected = {
  stdout: lines.filter((_, i) => i % 10 !== 9).join(''),
  stderr: `${lines.filter((_, i) => i % 10 === 9).join('')}last words\n`,
};

describe('demultiplexing the engine stream', () => {
  it.each([1, 3, 7, 8, 9, 61, 4096, stream.length])('splits stdout and stderr exactly, in chunks of %i bytes', async (size) => {
    const run = await demux(pieces(stream, size));
    await run.result;
    expect(run.text()).toEqual(expected);
  });

  it('hands over consecutive lines of one stream together, not a write per line', async () => {
    const run = await demux([stream]);
    await run.result;
    // 200 lines alternate stream 20 times each way, plus the last stderr line joining the previous run.
    expect(run.writes()).toBeLessThanOrEqual(41);
  });

  it('fails on a stream cut mid-frame, keeping what arrived', async () => {
    const run = await demux([stream.subarray(0, stream.length - 4)]);
    await expect(run.result).rejects.toThrow(/middle of a frame/);
    expect(run.text().stdout).toBe(expected.stdout);
  });

  it('fails on a stream that is not multiplexed (a TTY container), keeping the frames before it', async () => {
    const run = await demux([Buffer.concat([frame(1, 'ok\n'), Buffer.from('plain terminal text')])]);
    await expect(run.result).rejects.toThrow(/TTY/);
    expect(run.text().stdout).toBe('ok\n');
  });
});
