/**
 * Containers whose network namespace is shared (`--network host`,
 * `--network container:X`) have nothing to disconnect: isolate applies the
 * runbook's fallback instead and fails, so no summary claims a cut-off
 * that did not happen.
 */
import type Docker from 'dockerode';
import { auditedCall } from '../audit/audited-call.js';
import { IrError } from '../errors.js';
import type { IsolateParams } from '../runbook/schema.js';
import type { StepContext, StepResult } from './step-context.js';
import { ignoreStatus } from './terminate.js';

/** Grace period of the fallback's stop: the same default as terminate's. */
const FALLBACK_STOP_SECONDS = 10;

type Container = Docker.ContainerInspectInfo;

/** The network mode when it shares a namespace no disconnect can leave. */
export function sharedNetworkMode(info: Container): string | undefined {
  const mode = info.HostConfig.NetworkMode ?? '';
  return mode === 'host' || mode.startsWith('container:') ? mode : undefined;
}

/** Applies the fallback and throws what was done; a container that is not running needs none. */
export async function applyNetworkFallback(
  params: IsolateParams, ctx: StepContext, handle: Docker.Container, info: Container, mode: string,
): Promise<StepResult> {
  const whose = await describeNamespace(ctx, mode);
  const cannot = `network mode '${mode}' (${whose}) cannot be disconnected`;
  if (!info.State.Running) return notRunning(info, mode, cannot);
  if (params.fallback === 'none') {
    const message = `${cannot}; the runbook's fallback is none`;
    throw fallbackError('ISOLATE_UNSUPPORTED_NETWORK_MODE', message,
      'pause it (docker pause) or firewall it by hand now, or set fallback: pause in the runbook');
  }
  if (params.fallback === 'pause') return pauseInstead(ctx, handle, info, { cannot, whose });
  ctx.pendingStop = { networkMode: mode };
  throw fallbackError('ISOLATE_FALLBACK_STOP_AFTER_CAPTURE',
    `${cannot}: it keeps running, on ${whose}, until capture is done, then is stopped ` +
    '(fallback: stop-after-capture)', 'watch it until capture ends');
}

async function pauseInstead(
  ctx: StepContext, handle: Docker.Container, info: Container,
  words: Record<'cannot' | 'whose', string>,
): Promise<never> {
  const { cannot, whose } = words;
  if (!info.State.Paused) {
    await auditedCall(ctx.audit, 'docker.container.pause', { why: `isolate fallback: ${cannot}` },
      () => handle.pause());
  }
  if (!(await handle.inspect()).State.Paused) {
    throw fallbackError('FREEZE_FAILED', `${cannot}, and it did not pause`);
  }
  throw fallbackError('ISOLATE_FALLBACK_PAUSED',
    `${cannot}: paused it instead (fallback: pause); ` +
    `it is still on ${whose} and talks again if unpaused`, pausedHint(info));
}

/** Pausing the target cuts off only the target: a network namespace it borrows stays live. */
function pausedHint(info: Container): string {
  const mode = info.HostConfig.NetworkMode ?? '';
  const owner = mode.startsWith('container:') ? mode.slice('container:'.length) : undefined;
  const afterCapture = 'terminate it after capture, or firewall it on the host';
  return owner ? `contain ${owner} too (ir contain --target ${owner}): it shares that network; ${afterCapture}`
    : afterCapture;
}

function notRunning(info: Container, mode: string, cannot: string): StepResult {
  const policy = info.HostConfig.RestartPolicy?.Name || 'no';
  const restarts = `restart policy '${policy}' may start it again: terminate clears it`;
  return {
    summary: `not running (${info.State.Status}): ${cannot}, and nothing runs to use it`,
    details: { networkMode: mode, disconnected: [], running: false },
    warnings: policy === 'no' ? [] : [restarts],
  };
}

/** The host's network, or the container whose namespace it joined, by name. */
async function describeNamespace(ctx: StepContext, mode: string): Promise<string> {
  if (mode === 'host') return "the host's network";
  const owner = mode.slice('container:'.length);
  const short = owner.slice(0, 12);
  const info = await ctx.docker.getContainer(owner).inspect().catch(() => undefined);
  const name = info?.Name.replace(/^\//, '');
  return name ? `the network of container ${name} (${short})` : `the network of container ${short}`;
}

function fallbackError(code: string, message: string, hint?: string): IrError {
  return new IrError(message, { code, source: 'environment', exitCode: 1, hint });
}

/** Runs the stop-after-capture fallback once capture is over; returns the line for its warnings. */
export async function stopAfterCapture(ctx: StepContext): Promise<string | undefined> {
  const pending = ctx.pendingStop;
  if (!pending) return undefined;
  ctx.pendingStop = undefined;
  const handle = ctx.docker.getContainer(ctx.container.id);
  const mode = pending.networkMode;
  const why = `isolate fallback stop-after-capture (network mode ${mode})`;
  await auditedCall(ctx.audit, 'docker.container.stop', { why, stopTimeout: FALLBACK_STOP_SECONDS },
    () => ignoreStatus(handle.stop({ t: FALLBACK_STOP_SECONDS }), [304]));
  if ((await handle.inspect()).State.Running) {
    const message = 'the container is still running after the fallback stop';
    throw fallbackError('FALLBACK_STOP_FAILED', message,
      'stop it by hand (docker stop), then run terminate');
  }
  return `stopped the container after capture (isolate fallback: network mode ${mode})`;
}
