import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import { auditedCall } from '../audit/audited-call.js';
import { dockerStatus, toDockerError } from '../docker/connect-docker.js';
import { IrError } from '../errors.js';
import type { TerminateParams } from '../runbook/schema.js';
import type { StepContext, StepDefinition } from './step-context.js';

/** How long to wait for a removal the engine already has in hand (`--rm`). */
const GONE_WAIT_MS = 30_000;

export const terminate: StepDefinition<TerminateParams> = {
  describe(params, { container }) {
    return `stop ${container.name} (SIGKILL after ${params.stopTimeout}s), remove it (volumes kept), check it is gone`;
  },

  async run(params, ctx) {
    const handle = ctx.docker.getContainer(ctx.container.id);
    const info = await inspectOrGone(handle).catch((error: unknown) => {
      // Without sealed evidence the refusal is the answer that matters, engine or no engine.
      throw evidenceRefusal(ctx) ?? error;
    });
    // Already gone, there is no evidence left to protect: done, whatever capture did.
    if (!info) return { summary: 'already removed', details: { alreadyGone: true } };
    await requireEvidence(ctx);

    await clearRestartPolicy(ctx, handle);
    const wasRunning = info.State.Running;
    if (wasRunning) {
      await auditedCall(ctx.audit, 'docker.container.stop', { stopTimeout: params.stopTimeout },
        () => ignoreStatus(handle.stop({ t: params.stopTimeout }), [304, 404]));
    }
    // force: a restart policy may have started it again between stop and remove.
    await auditedCall(ctx.audit, 'docker.container.remove', { volumesKept: true },
      () => ignoreStatus(handle.remove({ v: false, force: true }), [404, 409]));

    await waitUntilGone(ctx, handle);
    const summary = wasRunning ? 'stopped and removed' : `removed (it was already ${info.State.Status})`;
    return { summary, details: { wasRunning } };
  },
};

/** Evidence first: no removal before capture sealed its hashes, unless overridden with a reason. */
async function requireEvidence(ctx: StepContext): Promise<void> {
  const refusal = evidenceRefusal(ctx);
  if (refusal) throw refusal;
  if (!ctx.bundle.isCaptured) {
    await ctx.audit.append('override.evidence-first', 'info', { reason: ctx.forceTerminateReason });
  }
}

/** The refusal, when there is neither sealed evidence nor an override. */
function evidenceRefusal(ctx: StepContext): IrError | undefined {
  if (ctx.bundle.isCaptured || ctx.forceTerminateReason) return undefined;
  return new IrError('refusing to terminate: evidence capture has not completed', {
    code: 'EVIDENCE_FIRST',
    source: 'input',
    exitCode: 1,
    hint: 'run the capture step first, or pass --force-terminate --reason "why" to override (audited)',
  });
}

/** A restart policy could bring the container back; failing to clear it is not fatal, as removal follows. */
async function clearRestartPolicy(ctx: StepContext, handle: Docker.Container): Promise<void> {
  try {
    await auditedCall(ctx.audit, 'docker.container.update', { restartPolicy: 'no' },
      () => handle.update({ RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } }));
  } catch {
    // auditedCall recorded the failure; removal follows, so it is not fatal.
  }
}

async function inspectOrGone(handle: Docker.Container): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await handle.inspect();
  } catch (error) {
    if (dockerStatus(error) === 404) return undefined;
    throw error;
  }
}

/** Removal of a `--rm` container may still be under way in the engine: wait for it, bounded. */
async function waitUntilGone(ctx: StepContext, handle: Docker.Container): Promise<void> {
  for (let waited = 0; waited < GONE_WAIT_MS; waited += 250) {
    if (!(await inspectOrGone(handle))) return;
    await delay(250);
  }
  throw new IrError(`container ${ctx.container.name} still exists after removal`, {
    code: 'TERMINATE_NOT_VERIFIED',
    source: 'environment',
    hint: 'remove it by hand with docker rm -f and check for an orchestrator recreating it',
  });
}

/** Stop answers 304 when already stopped; 404 and 409 mean gone or already being removed. */
export async function ignoreStatus(call: Promise<unknown>, statuses: number[]): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!statuses.includes(dockerStatus(error) ?? 0)) {
      throw toDockerError(error);
    }
  }
}
