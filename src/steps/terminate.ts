import type Docker from 'dockerode';
import { dockerMessage, dockerStatus } from '../docker/connect-docker.js';
import { IrError } from '../errors.js';
import type { TerminateParams } from '../runbook/schema.js';
import type { StepContext, StepDefinition } from './step-context.js';

export const terminate: StepDefinition<TerminateParams> = {
  describe(params, { container }) {
    return `stop ${container.name} (SIGKILL after ${params.stopTimeout}s), remove it (volumes kept), check it is gone`;
  },

  async run(params, ctx) {
    await requireEvidence(ctx);
    const handle = ctx.docker.getContainer(ctx.container.id);
    const info = await inspectOrGone(handle);
    if (!info) return { summary: 'already removed', details: { alreadyGone: true } };

    // A restart policy could bring it back between stop and remove.
    await handle.update({ RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } });
    if (info.State.Running || info.State.Paused) {
      await ignoreStatus(handle.stop({ t: params.stopTimeout }), 304);
      await ctx.audit.append('docker.container.stop', 'succeeded', { stopTimeout: params.stopTimeout });
    }
    await ignoreStatus(handle.remove({ v: false }), 404);
    await ctx.audit.append('docker.container.remove', 'succeeded', { volumesKept: true });

    if (await inspectOrGone(handle)) {
      throw new IrError(`container ${ctx.container.name} still exists after removal`, {
        code: 'TERMINATE_NOT_VERIFIED',
        source: 'environment',
        hint: 'remove it by hand with docker rm -f and check for an orchestrator recreating it',
      });
    }
    return { summary: 'stopped and removed', details: { wasRunning: info.State.Running } };
  },
};

/** Evidence first: no removal before capture sealed its hashes, unless overridden with a reason. */
async function requireEvidence(ctx: StepContext): Promise<void> {
  if (ctx.state.captured) return;
  if (ctx.forceTerminateReason) {
    await ctx.audit.append('override.evidence-first', 'info', { reason: ctx.forceTerminateReason });
    return;
  }
  throw new IrError('refusing to terminate: evidence capture has not completed', {
    code: 'EVIDENCE_FIRST',
    source: 'input',
    exitCode: 1,
    hint: 'run the capture step first, or pass --force-terminate --reason "why" to override (audited)',
  });
}

async function inspectOrGone(handle: Docker.Container): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await handle.inspect();
  } catch (error) {
    if (dockerStatus(error) === 404) return undefined;
    throw error;
  }
}

/** Stop answers 304 when already stopped, remove 404 when already gone: both are done. */
async function ignoreStatus(call: Promise<unknown>, status: number): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (dockerStatus(error) !== status) {
      throw new IrError(dockerMessage(error), { code: 'DOCKER_ERROR', source: 'environment', cause: error });
    }
  }
}
