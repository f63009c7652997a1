/**
 * Captures a container's log so far, stdout and stderr in their own files,
 * streamed straight from the engine to disk.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type DockerModem from 'docker-modem';
import { firstLineOf, IrError } from '../errors.js';
import { writeHashedFile, type HashedFile } from '../evidence/hashed-file.js';
import { PartialCaptureError } from '../evidence/partial-capture.js';
import { demuxFrames, writeChunk } from './stream-frames.js';

export interface LogCapture {
  stdout: HashedFile;
  /** Null for a TTY container: the engine keeps one combined stream, all in stdout.log. */
  stderr: HashedFile | null;
  startedAt: string;
  finishedAt: string;
  note?: string;
}

export const TTY_LOG_NOTE = 'TTY container: stdout and stderr are one stream, all in stdout.log';

/** Drivers the engine reads back itself. */
const READABLE_DRIVERS = new Set(['json-file', 'local', 'journald']);

export interface LogDriverOptions {
  /** The container's HostConfig.LogConfig.Config. */
  config?: Record<string, string>;
  /** Engine 20.10+ (API 1.41+) keeps a local read-back cache for other drivers ("dual logging"). */
  dualLogging?: boolean;
}

/** Whether `GET /containers/{id}/logs` can return this container's log, judging by its logging driver. */
export function readableLogDriver(driver: string, options: LogDriverOptions = {}): boolean {
  if (READABLE_DRIVERS.has(driver)) return true;
  if (driver === 'none' || options.dualLogging === false) return false;
  return options.config?.['cache-disabled'] !== 'true';
}

/**
 * Writes the whole log so far (not following), each line prefixed with its
 * RFC3339 timestamp, to `dir/stdout.log` and `dir/stderr.log`. Rejects with
 * `CAPTURE_LOGS_UNREADABLE` (no file written) when the engine cannot read the
 * driver back, and with a `PartialCaptureError<LogCapture>` when the stream breaks.
 */
export async function captureLogs(
  container: Docker.Container,
  dir: string,
  options: { tty: boolean },
): Promise<LogCapture> {
  const startedAt = new Date().toISOString();
  const response = await openLogStream(container);
  const stdoutOut = new PassThrough();
  const stderrOut = options.tty ? null : new PassThrough();
  const files = Promise.allSettled([
    writeHashedFile(join(dir, 'stdout.log'), stdoutOut),
    stderrOut ? writeHashedFile(join(dir, 'stderr.log'), stderrOut) : Promise.resolve(null),
  ]);
  const [copied] = await Promise.allSettled([copyLog(response, stdoutOut, stderrOut)]);
  stdoutOut.end();
  stderrOut?.end();
  const [stdout, stderr] = await files;
  if (stdout.status === 'rejected') throw logsFailed(stdout.reason);
  if (stderr.status === 'rejected') throw logsFailed(stderr.reason);
  const capture: LogCapture = {
    stdout: stdout.value,
    stderr: stderr.value,
    startedAt,
    finishedAt: new Date().toISOString(),
    ...(options.tty ? { note: TTY_LOG_NOTE } : {}),
  };
  if (copied.status === 'rejected') throw logsBroken(capture, copied.reason);
  return capture;
}

/** dockerode's `logs({follow: false})` buffers the whole log in memory, so dial it as a stream. */
function openLogStream(container: Docker.Container): Promise<IncomingMessage> {
  const modem = container.modem as DockerModem;
  return new Promise((resolve, reject) => {
    modem.dial({
      path: `/containers/${container.id}/logs?`,
      method: 'GET',
      isStream: true,
      statusCodes: { 200: true, 404: 'no such container', 500: 'server error', 501: 'driver cannot be read' },
      options: { stdout: true, stderr: true, timestamps: true, follow: false },
    }, (error, result) => {
      if (error) reject(dialFailed(error));
      else resolve(result as IncomingMessage);
    });
  });
}

async function copyLog(response: IncomingMessage, stdoutOut: PassThrough, stderrOut: PassThrough | null): Promise<void> {
  if (!stderrOut) {
    // A TTY container's log is not multiplexed: the bytes are the terminal output.
    for await (const chunk of response as AsyncIterable<Buffer>) await writeChunk(stdoutOut, chunk);
    return;
  }
  await demuxFrames(response, {
    stdout: (chunk) => writeChunk(stdoutOut, chunk),
    stderr: (chunk) => writeChunk(stderrOut, chunk),
  });
}

function dialFailed(error: Error & { statusCode?: number }): IrError {
  if (error.statusCode === 501) {
    return new IrError("the container's logging driver cannot be read back", {
      code: 'CAPTURE_LOGS_UNREADABLE',
      source: 'environment',
      hint: 'Record the log as not captured; the driver ships it elsewhere (syslog, gelf, a cloud service).',
      cause: error,
    });
  }
  return logsFailed(error);
}

function logsFailed(cause: unknown): IrError {
  return new IrError(`could not capture the container log: ${firstLineOf(cause)}`, {
    code: 'CAPTURE_LOGS_FAILED',
    source: 'environment',
    hint: 'Check that the container still exists and the evidence directory is new and writable.',
    cause,
  });
}

function logsBroken(partial: LogCapture, cause: unknown): PartialCaptureError<LogCapture> {
  return new PartialCaptureError(`the log stream stopped early: ${firstLineOf(cause)}`, partial, {
    code: 'CAPTURE_LOGS_TRUNCATED',
    source: 'environment',
    hint: 'The log files hold what arrived before the stream stopped; keep them and mark them partial.',
    cause,
  });
}
