/**
 * Captures a container's filesystem as `docker export` sees it: the image
 * layers plus the container's writable layer, without any mounts.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { firstLineOf, IrError } from '../errors.js';
import { captureTar, type TarCapture } from './tar-index.js';

export const FILESYSTEM_TAR = 'filesystem.tar';
export const FILESYSTEM_INDEX = 'filesystem.index.jsonl';

/**
 * Streams `GET /containers/{id}/export` into `evidenceDir/filesystem.tar` and
 * indexes it into `evidenceDir/filesystem.index.jsonl`. Volumes, bind mounts
 * and tmpfs are not in an export; a running container is not paused, so files
 * may change while it is read. Rejects like `captureTar` when the stream breaks.
 */
export async function captureFilesystem(container: Docker.Container, evidenceDir: string): Promise<TarCapture> {
  let stream: Readable;
  try {
    // isStream is set for export, so this is the live HTTP response, not a buffer.
    stream = (await container.export()) as Readable;
  } catch (error) {
    throw new IrError(`could not export the container filesystem: ${firstLineOf(error)}`, {
      code: 'CAPTURE_EXPORT_FAILED',
      source: 'environment',
      hint: 'Check that the container still exists; an export works on running and stopped containers.',
      cause: error,
    });
  }
  return captureTar(stream, join(evidenceDir, FILESYSTEM_TAR), join(evidenceDir, FILESYSTEM_INDEX));
}
