import type Docker from 'dockerode';
import { auditedCall } from '../audit/audited-call.js';
import { IrError } from '../errors.js';
import type { CaptureRecorder } from './capture-recorder.js';
import type { StepContext } from './step-context.js';

/** Repository for snapshot images; the tag is the incident id, lower-cased as tags must be. */
export const SNAPSHOT_REPOSITORY = 'ir-evidence';

/**
 * Commits the container to an image before it is removed. The image is
 * recorded in the manifest; it lives on the engine, not in the bundle, and
 * holds neither mounts nor tmpfs.
 */
export async function takeSnapshot(recorder: CaptureRecorder, ctx: StepContext, handle: Docker.Container) {
  const tag = ctx.incidentId.toLowerCase().replace(/[^a-z0-9_.-]/g, '-').slice(0, 128);
  const image = `${SNAPSHOT_REPOSITORY}/${ctx.container.name.toLowerCase()}:${tag}`;
  try {
    const commit = async () => (await handle.commit({
      repo: `${SNAPSHOT_REPOSITORY}/${ctx.container.name.toLowerCase()}`,
      tag,
      comment: `ir incident ${ctx.incidentId}`,
      pause: false,
    })) as { Id: string };
    const committed = await auditedCall(ctx.audit, 'docker.container.commit', { image }, commit,
      { after: (result) => ({ imageId: result.Id }) });
    ctx.bundle.addSnapshot({ image, imageId: committed.Id, takenAt: new Date().toISOString() });
  } catch (error) {
    await recorder.capture({
      what: `snapshot image ${image}`,
      source: 'POST /commit',
      run: async () => {
        throw error instanceof IrError ? error : new Error(`commit failed: ${(error as Error).message}`);
      },
    });
  }
}
