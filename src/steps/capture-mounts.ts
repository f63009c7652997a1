/**
 * The mounts `docker export` leaves out: volumes and bind mounts through the
 * engine's archive API, tmpfs (its /dev/shm too) through a tar run inside the
 * container, since nothing else can read a tmpfs.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { auditedCall } from '../audit/audited-call.js';
import { captureMountViaExec } from '../docker/exec-tar.js';
import { captureTar, type PartialTarCapture, type TarCapture } from '../docker/tar-index.js';
import { IrError } from '../errors.js';
import type { CaptureParams } from '../runbook/schema.js';
import { tarFiles } from './capture-facts.js';
import type { CaptureRecorder } from './capture-recorder.js';
import { listMounts, sharedShmReason, type MountToCapture } from './mounts.js';
import type { StepContext } from './step-context.js';

/** An honest tar sends its first bytes at once and keeps going: half a minute of silence is a stopped one. */
const TAR_IDLE_MS = 30_000;

type Paths = { tar: string; index: string };

export async function captureMounts(
  recorder: CaptureRecorder, ctx: StepContext, handle: Docker.Container, info: Docker.ContainerInspectInfo,
  params: CaptureParams,
): Promise<void> {
  const mounts = listMounts(info);
  for (const mount of mounts.filter((m) => m.type !== 'tmpfs')) {
    await captureMount(recorder, ctx, mount, (paths) => readArchive(handle, mount, paths, params));
  }
  const tmpfs = mounts.filter((m) => m.type === 'tmpfs');
  if (tmpfs.length > 0) {
    await whileRunning(ctx, handle, info, async () => {
      for (const mount of tmpfs) {
        if (!info.State.Running) {
          await recorder.gap(label(mount), 'the container is not running, so its tmpfs contents are already gone');
        } else {
          await captureMount(recorder, ctx, mount, (paths) => readViaExec(handle, mount, paths, params));
        }
      }
    });
  }
  const shm = sharedShmReason(info);
  if (shm) await recorder.gap('tmpfs mount /dev/shm', shm);
}

function label(mount: MountToCapture): string {
  return `${mount.type} mount ${mount.destination}`;
}

async function captureMount(
  recorder: CaptureRecorder, ctx: StepContext, mount: MountToCapture, read: (paths: Paths) => Promise<TarCapture>,
): Promise<void> {
  const dir = join(ctx.evidenceDir, 'mounts');
  // A mount path can hold a secret (a tmpfs named after a key); the file name must not.
  const name = ctx.redactor.redact(mount.destination) === mount.destination
    ? mount.safeName : `redacted-${randomBytes(3).toString('hex')}`;
  const paths = { tar: join(dir, `${name}.tar`), index: join(dir, `${name}.index.jsonl`) };
  await recorder.capture({
    what: label(mount),
    source: mount.type === 'tmpfs'
      ? `exec tar -c -f - -C ${mount.destination} . (the container's own tar)`
      : `GET /containers/{id}/archive?path=${mount.destination}`,
    run: async () => tarFiles(paths, await read(paths)),
    leftovers: (partial) => tarFiles(paths, partial as PartialTarCapture | null),
    // A volume or bind mount outlives the container, so skipping a huge one loses nothing;
    // a tmpfs dies with it, so not copying it all is a failure that holds terminate back.
    isGap: (error) => mount.type !== 'tmpfs' && error instanceof IrError && error.code === 'CAPTURE_SIZE_LIMIT',
  });
}

async function readArchive(
  handle: Docker.Container, mount: MountToCapture, paths: Paths, params: CaptureParams,
): Promise<TarCapture> {
  const stream = (await handle.getArchive({ path: mount.destination })) as unknown as Readable;
  return captureTar(stream, paths.tar, paths.index, { limitBytes: params.mountSizeLimit });
}

function readViaExec(
  handle: Docker.Container, mount: MountToCapture, paths: Paths, params: CaptureParams,
): Promise<TarCapture> {
  const totalMs = params.mountTimeout * 1000;
  return captureMountViaExec(handle, mount.destination, paths, {
    limitBytes: params.mountSizeLimit,
    deadline: { totalMs, idleMs: Math.min(totalMs, TAR_IDLE_MS) },
  });
}

/** A paused container cannot exec: it runs (still isolated) once, for all its tmpfs reads. */
async function whileRunning(
  ctx: StepContext, handle: Docker.Container, info: Docker.ContainerInspectInfo, read: () => Promise<void>,
): Promise<void> {
  if (!info.State.Paused) return read();
  await auditedCall(ctx.audit, 'docker.container.unpause', { why: 'read its tmpfs mounts' }, () => handle.unpause());
  try {
    await read();
  } finally {
    await auditedCall(ctx.audit, 'docker.container.pause', { why: 'refreeze after tmpfs reads' }, () => handle.pause());
  }
}
