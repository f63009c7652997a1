/**
 * Captures a tmpfs mount of a running container. Neither `docker export` nor
 * the archive API can read a tmpfs, and it vanishes when the container stops,
 * so the only way in is to run `tar` inside the container while it runs.
 */
import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import { firstLineOf, IrError, messageOf } from '../errors.js';
import { PartialCaptureError } from '../evidence/partial-capture.js';
import { ReadWatchdog, type ReadDeadline } from './read-watchdog.js';
import { demuxFrames, writeChunk } from './stream-frames.js';
import { captureTar, type PartialTarCapture, type TarCapture, type TarCaptureOptions } from './tar-index.js';

/** How much of tar's output is kept for error messages. */
const DIAGNOSTIC_BYTES = 4096;
/** Exit codes of a command the runtime could not start: not executable, not found. */
const NOT_STARTED = new Set([126, 127]);

/**
 * Runs `tar -c -f - -C <mountPath> .` in the container, as the container's own
 * user, and streams its stdout through `captureTar` into `tarPath` and
 * `indexPath`. The tar binary belongs to the container, which may be
 * compromised: the archive is what that binary chose to write, and running it
 * executes attacker-controlled code (inside the container's own confinement).
 * Rejects with `CAPTURE_EXEC_NO_TAR` when tar cannot be run and with
 * `CAPTURE_EXEC_FAILED` when it exits non-zero (e.g. a file it could not read);
 * both are `PartialCaptureError<PartialTarCapture | null>` with what was saved.
 * Rejects with `CAPTURE_EXEC_STALLED` when tar misses the `deadline`: the
 * stopped tar is left behind in the container, which terminate ends.
 */
export async function captureMountViaExec(
  container: Docker.Container,
  mountPath: string,
  paths: { tar: string; index: string },
  options: TarCaptureOptions & { deadline: ReadDeadline },
): Promise<TarCapture> {
  const { exec, output } = await startTar(container, mountPath);
  const stdoutHead = new ByteHead(DIAGNOSTIC_BYTES);
  const stderrHead = new ByteHead(DIAGNOSTIC_BYTES);
  const tarStream = new PassThrough();
  // Errors reach captureTar through its read loop; this keeps a late one from going unhandled.
  tarStream.on('error', () => undefined);
  const watchdog = new ReadWatchdog(options.deadline, (reason) => output.destroy(new Error(`tar ${reason}`)));
  const demuxing = demuxFrames(output, {
    stdout: (chunk) => {
      // Only archive bytes count as progress: a tar that only complains is not getting anywhere.
      watchdog.touch();
      stdoutHead.add(chunk);
      return writeChunk(tarStream, chunk);
    },
    stderr: (chunk) => stderrHead.add(chunk),
  }).then(() => tarStream.end(), (error: unknown) => tarStream.destroy(asError(error)));
  const [captured] = await Promise.allSettled([captureTar(tarStream, paths.tar, paths.index, options), demuxing]);
  watchdog.stop();
  if (watchdog.expired) throw tarStalled(mountPath, watchdog.expired, partialOf(captured));
  // Past the limit we hung up on tar, so its exit status says nothing new.
  if (captured.status === 'rejected' && (captured.reason as IrError).code === 'CAPTURE_SIZE_LIMIT') {
    output.destroy();
    throw captured.reason;
  }
  const exitCode = await exitCodeOf(exec);
  if (exitCode !== 0) {
    const detail = stderrHead.firstLine() || (NOT_STARTED.has(exitCode ?? 0) ? stdoutHead.firstLine() : '');
    throw tarFailed(mountPath, exitCode, detail, partialOf(captured));
  }
  if (captured.status === 'rejected') throw captured.reason;
  return captured.value;
}

async function startTar(container: Docker.Container, mountPath: string) {
  try {
    // No User: the exec runs as the container's configured user, who owns the files.
    const exec = await container.exec({
      Cmd: ['tar', '-c', '-f', '-', '-C', mountPath, '.'],
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const output = await exec.start({});
    return { exec, output };
  } catch (error) {
    throw new IrError(`could not run tar in the container for ${mountPath}: ${firstLineOf(error)}`, {
      code: 'CAPTURE_EXEC_FAILED',
      source: 'environment',
      hint: 'The container must be running: a tmpfs is gone once it stops. Record the mount as not captured.',
      cause: error,
    });
  }
}

/** The engine may report the exec as running for a moment after its output ends. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect().catch(() => null);
    if (!info) return null;
    if (!info.Running) return info.ExitCode;
    await delay(100);
  }
  return null;
}

function partialOf(captured: PromiseSettledResult<TarCapture>): PartialTarCapture | null {
  if (captured.status === 'fulfilled') return { ...captured.value, tarComplete: true };
  const reason: unknown = captured.reason;
  return reason instanceof PartialCaptureError ? (reason.partial as PartialTarCapture) : null;
}

function tarFailed(
  mountPath: string,
  exitCode: number | null,
  detail: string,
  partial: PartialTarCapture | null,
): PartialCaptureError<PartialTarCapture | null> {
  const status = exitCode === null ? 'did not report an exit code' : `exited with ${exitCode}`;
  const notStarted = NOT_STARTED.has(exitCode ?? 0);
  const message = notStarted
    ? `cannot run tar in the container to capture ${mountPath} (${status})`
    : `tar in the container ${status} while archiving ${mountPath}`;
  return new PartialCaptureError(detail ? `${message}: ${detail}` : message, partial, {
    code: notStarted ? 'CAPTURE_EXEC_NO_TAR' : 'CAPTURE_EXEC_FAILED',
    source: 'environment',
    hint: notStarted
      ? 'The image has no usable tar; record the mount as not captured, or copy it by hand before the container stops.'
      : 'The archive holds what tar could read; keep it and mark it partial.',
  });
}

function tarStalled(mountPath: string, why: string, partial: PartialTarCapture | null) {
  return new PartialCaptureError(`tar in the container ${why} while archiving ${mountPath}; ` +
    'a compromised container can stop or slow its own tar', partial, {
    code: 'CAPTURE_EXEC_STALLED',
    source: 'environment',
    hint: 'what arrived is kept and marked partial; copy the mount by hand if it matters, raise the runbook\'s ' +
      'mountTimeout for a slow but honest disk, or terminate with --force-terminate --reason',
  });
}

/** Keeps the first few KB of a stream, for an error message. */
class ByteHead {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.size >= this.limit) return;
    const piece = Buffer.from(chunk.subarray(0, this.limit - this.size));
    this.chunks.push(piece);
    this.size += piece.length;
  }

  firstLine(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return text.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '';
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(messageOf(error));
}
