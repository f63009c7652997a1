import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type Docker from 'dockerode';
import { auditedCall } from '../audit/audited-call.js';
import { waitForProgress } from '../docker/connect-docker.js';
import type { CaptureRecorder } from './capture-recorder.js';
import type { StepContext } from './step-context.js';

/** Repository for snapshot images: ir-evidence/<container>:<incident id>-<random>. */
export const SNAPSHOT_REPOSITORY = 'ir-evidence';

/**
 * Turns the captured filesystem.tar into an image on the engine, so the
 * container's files can be started and examined after it is removed. It is
 * imported from the sealed export rather than committed: a commit copies the
 * container's config, environment and secrets included, into an image anyone
 * with engine access can inspect. The image holds no mounts and no tmpfs.
 */
export async function takeSnapshot(recorder: CaptureRecorder, ctx: StepContext, filesystemTar: string | undefined) {
  const repo = `${SNAPSHOT_REPOSITORY}/${referenceComponent(ctx.container.name)}`;
  // A random part keeps two incidents with one --case id (or ids differing in case) from sharing a tag.
  const tag = `${ctx.incidentId.toLowerCase().replace(/[^a-z0-9_.-]/g, '-').slice(0, 110)}-${randomBytes(3).toString('hex')}`;
  const image = `${repo}:${tag}`;
  if (!filesystemTar) {
    await recorder.gap(`snapshot image ${image}`, 'the snapshot is made from the filesystem capture, which is missing');
    return;
  }
  await recorder.capture({
    what: `snapshot image ${image}`,
    source: 'POST /images/create?fromSrc=- (from filesystem.tar)',
    run: async () => {
      const imported = () => importTar(ctx.docker, filesystemTar, { repo, tag, incident: ctx.incidentId });
      const imageId = await auditedCall(ctx.audit, 'docker.image.import', { image }, imported,
        { after: (id) => ({ imageId: id }) });
      ctx.bundle.addSnapshot({ image, imageId, takenAt: new Date().toISOString() });
      return [];
    },
  });
}

async function importTar(
  docker: Docker, tarPath: string, target: { repo: string; tag: string; incident: string },
): Promise<string> {
  const stream = await docker.importImage(createReadStream(tarPath), {
    repo: target.repo,
    tag: target.tag,
    changes: [`LABEL ir.incident=${target.incident}`],
  });
  await waitForProgress(docker, stream);
  return (await docker.getImage(`${target.repo}:${target.tag}`).inspect()).Id;
}

/** A container name as an image repository component: lower case, single separators between alphanumerics. */
function referenceComponent(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned || 'container';
}
