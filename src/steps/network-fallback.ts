/**
 * Containers whose network namespace is shared (`--network host`,
 * `--network container:X`) have nothing to disconnect: isolate applies the
 * runbook's fallback instead and fails, so no summary claims a cut-off
 * that did not happen.
 */
import type Docker from 'dockerode';
import { auditedCall } from '../audit/audited-call.js';
import { dockerStatus, toDockerError } from '../docker/connect-docker.js';
import { IrError } from '../errors.js';
import type { IsolateParams } from '../runbook/schema.js';
import type { StepContext, StepResult } from './step-context.js';

/** Grace period of the fallback's stop: the same default as terminate's. */
const FALLBACK_STOP_SECONDS = 10;

/** The network mode when it shares a namespace no disconnect can leave. */
export function sharedNetworkMode(info: Docker.ContainerInspectInfo): string | undefined {
  const mode = info.HostConfig.NetworkMode ?? '';
  return mode === 'host' || mode.startsWith('container:') ? mode : undefined;
}

/** Applies the fallback and throws what was done; a container that is not running needs none. */
export async function applyNetworkFallback(
  params: IsolateParams, ctx: StepContext, handle: Docker.Container, info: Docker.ContainerInspectInfo, mode: string,
): Promise<StepResult> {
  const whose = await describeNamespace(ctx, mode);
  const cannot = `network mode '${mode}' (${whose}) cannot be disconnected`;
  if (!info.State.Running) return notRunning(info, mode, cannot);
  if (params.fallback === 'none') throw fallbackError('ISOLATE_UNSUPPORTED_NETWORK_MODE', `${cannot}; the runbook's fallback is none`,
    'pause it (docker pause) or firewall it by hand now, or set fallback: pause in the runbook');
  if (params.fallback === 'pause') {
    if (!info.State.Paused) {
      await auditedCall(ctx.audit, 'docker.container.pause', { why: `isolate fallback: ${cannot}` }, () => handle.pause());
    }
    if (!(await handle.inspect()).State.Paused) throw fallbackError('FREEZE_FAILED', `${cannot}, and it did not pause`);
    throw fallbackError('ISOLATE_FALLBACK_PAUSED', `${cannot}: paused it instead (fallback: pause); ` +
      `it is still on ${whose} and talks again if unpaused`, 'terminate it after capture, or firewall it on the host');
  }
  ctx.pendingStop = { networkMode: mode };
  throw fallbackError('ISOLATE_FALLBACK_STOP_AFTER_CAPTURE', `${cannot}: it keeps running, on ${whose}, ` +
    'until capture is done, then is stopped (fallback: stop-after-capture)', 'watch it until capture ends');
}

function notRunning(info: Docker.ContainerInspectInfo, mode: string, cannot: string): StepResult {
  const policy = info.HostConfig.RestartPolicy?.Name || 'no';
  return {
    summary: `not running (${info.State.Status}): ${cannot}, and nothing runs to use it`,
    details: { networkMode: mode, disconnected: [], running: false },
    warnings: policy === 'no' ? [] : [`restart policy '${policy}' may start it again: terminate clears it`],
  };
}

/** The host's network, or the container whose namespace it joined, by name. */
async function describeNamespace(ctx: StepContext, mode: string): Promise<string> {
  if (mode === 'host') return "the host's network";
  const owner = mode.slice('container:'.length);
  const name = await ctx.docker.getContainer(owner).inspect().then((i) => i.Name.replace(/^\//, ''), () => undefined);
  return `the network of container ${name ?? owner.slice(0, 12)}${name ? ` (${owner.slice(0, 12)})` : ''}`;
}

function fallbackError(code: string, message: string, hint?: string): IrError {
  return new IrError(message, { code, source: 'environment', exitCode: 1, hint });
}

/** The stop-after-capture fallback, once capture is over; the line for the capture step's warnings. */
export async function stopAfterCapture(ctx: StepContext): Promise<string | undefined> {
  const pending = ctx.pendingStop;
  if (!pending) return undefined;
  ctx.pendingStop = undefined;
  const handle = ctx.docker.getContainer(ctx.container.id);
  await auditedCall(ctx.audit, 'docker.container.stop',
    { why: `isolate fallback stop-after-capture (network mode ${pending.networkMode})`, stopTimeout: FALLBACK_STOP_SECONDS },
    () => handle.stop({ t: FALLBACK_STOP_SECONDS }).catch((error: unknown) => {
      if (dockerStatus(error) !== 304) throw toDockerError(error);
    }));
  if ((await handle.inspect()).State.Running) {
    throw fallbackError('FALLBACK_STOP_FAILED', 'the container is still running after the fallback stop',
      'stop it by hand (docker stop), then run terminate');
  }
  return `stopped the container after capture (isolate fallback: network mode ${pending.networkMode})`;
}
