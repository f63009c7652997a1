import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { dockerStatus } from '../docker/docker-errors.js';
import { readEngineIdentity } from '../docker/engine-identity.js';
import { captureTar, type TarCapture } from '../docker/tar-index.js';
import { writeSmallFile } from '../evidence/hashed-file.js';
import type { CaptureRecorder, CapturedFile } from './capture-recorder.js';
import type { StepContext } from './step-context.js';

/** What the engine knows about the container besides its files: small JSON documents. */
export async function captureFacts(
  recorder: CaptureRecorder, ctx: StepContext, handle: Docker.Container, info: Docker.ContainerInspectInfo,
): Promise<void> {
  const dir = ctx.evidenceDir;
  const json = (what: string, source: string, file: string, read: () => Promise<unknown>) =>
    recorder.capture({ what, source, run: async () => [await writeJson(join(dir, file), await read())] });

  await json('inspect data', 'GET /containers/{id}/json', 'inspect.json', async () => info);
  await json('engine identity', 'GET /version, GET /info', 'engine.json', async () => {
    const engine = await readEngineIdentity(ctx.docker);
    ctx.bundle.setEngine(engine);
    return engine;
  });
  await json('filesystem changes', 'GET /containers/{id}/changes', 'diff.json', async () => describeChanges(await handle.changes()));
  await json('image', 'GET /images/{id}/json, GET /images/{id}/history', 'image.json', () => readImage(ctx.docker, info.Image));
  if (info.State.Running) {
    await json('resource use', 'GET /containers/{id}/stats?stream=0', 'stats.json', () => handle.stats({ stream: false }));
    await recorder.capture({
      what: 'process list',
      source: 'GET /containers/{id}/top?ps_args=-ef',
      run: async () => [await writeJson(join(dir, 'top.json'), await handle.top({ ps_args: '-ef' }))],
      // 409: it stopped since the inspect, or restarts in a loop; between two runs it has no processes.
      isGap: (error) => dockerStatus(error) === 409,
    });
  } else {
    // The engine still answers stats for a stopped container, with zeros: that is not a reading.
    await recorder.gap('resource use', `the container is ${info.State.Status}: it has no resource use to read`);
    await recorder.gap('process list', `the container is ${info.State.Status}: it has no processes to list`);
  }
}

/** `docker export` writes these as empty placeholders; the real ones come through the archive API. */
const ENGINE_MANAGED_FILES = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

export async function captureEngineManagedFiles(
  recorder: CaptureRecorder, handle: Docker.Container, dir: string,
): Promise<void> {
  for (const file of ENGINE_MANAGED_FILES) {
    const name = file.slice(1).replace(/\//g, '-');
    const paths = { tar: join(dir, 'engine-files', `${name}.tar`), index: join(dir, 'engine-files', `${name}.index.jsonl`) };
    await recorder.capture({
      what: `engine-managed file ${file}`,
      source: `GET /containers/{id}/archive?path=${file}`,
      run: async () => {
        const stream = (await handle.getArchive({ path: file })) as unknown as Readable;
        return tarFiles(paths, await captureTar(stream, paths.tar, paths.index));
      },
      leftovers: (partial) => tarFiles(paths, partial as TarCapture | null),
    });
  }
}

/** The tar and its index, as manifest items. */
export function tarFiles(paths: { tar: string; index: string }, capture: TarCapture | null): CapturedFile[] {
  if (!capture) return [];
  return [{ path: paths.tar, file: capture.tar }, { path: paths.index, file: capture.index }];
}

async function writeJson(path: string, value: unknown): Promise<CapturedFile> {
  return { path, file: await writeSmallFile(path, `${JSON.stringify(value, null, 2)}\n`) };
}

const CHANGE_KINDS = ['modified', 'added', 'deleted'];

function describeChanges(changes: { Path: string; Kind: number }[] | Buffer | null) {
  // The engine answers `null` when nothing changed (always, on a read-only root);
  // docker-modem then hands back the raw body instead of the parsed value.
  if (!Array.isArray(changes)) return [];
  return changes.map((change) => ({ path: change.Path, kind: CHANGE_KINDS[change.Kind] ?? String(change.Kind) }));
}

async function readImage(docker: Docker, imageId: string) {
  const image = docker.getImage(imageId);
  const [info, history] = await Promise.all([image.inspect(), image.history()]);
  return {
    id: info.Id,
    repoTags: info.RepoTags,
    repoDigests: info.RepoDigests,
    created: info.Created,
    architecture: info.Architecture,
    os: info.Os,
    rootFs: info.RootFS,
    config: info.Config,
    history,
  };
}
