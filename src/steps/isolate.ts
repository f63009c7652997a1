import { join } from 'node:path';
import type Docker from 'dockerode';
import { auditedCall } from '../audit/audited-call.js';
import { dockerMessage } from '../docker/connect-docker.js';
import { IrError } from '../errors.js';
import { writeSmallFile } from '../evidence/hashed-file.js';
import { evidencePath } from '../evidence/item.js';
import type { IsolateParams } from '../runbook/schema.js';
import { applyNetworkFallback, sharedNetworkMode } from './network-fallback.js';
import type { StepContext, StepDefinition } from './step-context.js';

export type Attachment = Docker.NetworkInfo & { name: string };

const FALLBACK_LINES: Record<IsolateParams['fallback'], string> = {
  pause: 'pause it instead (fallback: pause); the step fails',
  'stop-after-capture': 'stop it after capture (fallback: stop-after-capture); the step fails',
  none: 'nothing (fallback: none); the step fails',
};

export const isolate: StepDefinition<IsolateParams> = {
  describe(params, { container }) {
    const which = params.networks === 'all' ? 'every network' : `networks ${params.networks.join(', ')}`;
    const shared = container.info && sharedNetworkMode(container.info);
    const fallback = FALLBACK_LINES[params.fallback];
    if (shared) return `network mode '${shared}' cannot be disconnected: ${fallback}`;
    const freeze = params.freeze ? ', pause it' : '';
    return `disconnect ${container.name} from ${which}${freeze}, then check no attachment remains`;
  },

  async run(params, ctx) {
    const handle = ctx.docker.getContainer(ctx.container.id);
    const before = await handle.inspect();
    const current = attachmentsOf(before);
    // A retry (ir resume) starts from what its interrupted attempt recorded: some networks may be cut already.
    const recalled = recalledAttachments(ctx);
    const attached = [...recalled, ...current.filter((net) => !recalled.some((r) => r.name === net.name))];
    await recordAttachments(ctx, attached, recalled.length > 0);
    const shared = sharedNetworkMode(before);
    if (shared) return applyNetworkFallback(params, ctx, handle, before, shared);
    await ctx.remember?.({ networks: attached.map(describeAttachment) });

    const wanted = attached.filter((net) => params.networks === 'all' || params.networks.includes(net.name));
    const stillOn = current.filter((net) => wanted.some((w) => w.name === net.name));
    const results = await Promise.allSettled(stillOn.map((net) => disconnect(ctx, net)));
    const remaining = attachmentsOf(await handle.inspect()).filter((net) => wanted.some((w) => w.name === net.name));
    if (remaining.length > 0) throw stillAttached(remaining, results);

    const frozen = params.freeze ? await freeze(ctx, handle) : false;
    const names = wanted.map((net) => net.name);
    const kept = attached.filter((net) => !names.includes(net.name)).map((net) => net.name);
    refuseLikelyTypo(params, attached, kept);
    return {
      summary: [isolationSummary(names, kept), frozen && 'paused'].filter(Boolean).join('; '),
      details: { disconnected: names, keptAttached: kept, paused: frozen, attachmentsBefore: attached.map(describeAttachment) },
      warnings: listWarnings(params, attached, kept),
    };
  },
};

function isolationSummary(disconnected: string[], kept: string[]): string {
  const done = disconnected.length > 0 ? `disconnected from ${disconnected.join(', ')}` : 'disconnected from nothing';
  if (kept.length > 0) return `${done}; STILL ATTACHED to ${kept.join(', ')}`;
  return disconnected.length > 0 ? done : 'already on no network';
}

/**
 * A listed network the container was never on, while it is still on one the
 * list left out, is most likely a misspelling: the container is not cut off
 * from what the runbook meant, so the step fails rather than warns.
 */
function refuseLikelyTypo(params: IsolateParams, attached: Attachment[], kept: string[]): void {
  if (params.networks === 'all' || kept.length === 0) return;
  const absent = params.networks.filter((name) => !attached.some((net) => net.name === name));
  if (absent.length === 0) return;
  throw new IrError(`the runbook lists ${absent.join(', ')}, which the container is not on, ` +
    `while it is STILL ATTACHED to ${kept.join(', ')}`, {
    code: 'ISOLATE_NETWORK_NOT_ATTACHED',
    source: 'input',
    exitCode: 1,
    hint: "check the runbook's networks list for a misspelling, or use networks: all",
  });
}

/** A listed network the container is not on is likely a typo: the operator must hear of it. */
function listWarnings(params: IsolateParams, attached: Attachment[], kept: string[]): string[] {
  if (params.networks === 'all') return [];
  const absent = params.networks.filter((name) => !attached.some((net) => net.name === name));
  return [
    ...absent.map((name) => `network ${name} is in the runbook but the container was not attached to it`),
    ...(kept.length > 0 ? [`still attached to ${kept.join(', ')}: not in the runbook's networks list`] : []),
  ];
}

/** Pauses a running container so nothing changes while it is captured; checks it took. */
async function freeze(ctx: StepContext, handle: Docker.Container): Promise<boolean> {
  const { State } = await handle.inspect();
  if (!State.Running) return false;
  if (!State.Paused) {
    await auditedCall(ctx.audit, 'docker.container.pause', { why: 'freeze for capture' }, () => handle.pause());
  }
  if (!(await handle.inspect()).State.Paused) {
    throw new IrError('the container did not pause', { code: 'FREEZE_FAILED', source: 'environment' });
  }
  return true;
}

export function attachmentsOf(info: Docker.ContainerInspectInfo): Attachment[] {
  return Object.entries(info.NetworkSettings.Networks ?? {})
    .filter(([name]) => name !== 'none')
    .map(([name, net]) => ({ ...net, name }));
}

export function describeAttachment(net: Attachment) {
  return {
    name: net.name,
    networkId: net.NetworkID,
    ipv4: net.IPAddress || undefined,
    ipv6: net.GlobalIPv6Address || undefined,
    mac: net.MacAddress || undefined,
    aliases: net.Aliases ?? [],
  };
}

/** The attachments an interrupted attempt of this step recorded before it disconnected anything. */
function recalledAttachments(ctx: StepContext): Attachment[] {
  const networks = ctx.recall?.()?.networks;
  if (!Array.isArray(networks)) return [];
  return (networks as ReturnType<typeof describeAttachment>[]).map((net) => ({
    name: net.name, NetworkID: net.networkId, IPAddress: net.ipv4 ?? '', GlobalIPv6Address: net.ipv6 ?? '',
    MacAddress: net.mac ?? '', Aliases: net.aliases,
  }) as Attachment);
}

async function recordAttachments(ctx: StepContext, attached: Attachment[], recalled: boolean): Promise<void> {
  const startedAt = new Date().toISOString();
  const path = join(ctx.evidenceDir, 'networks.json');
  const file = await writeSmallFile(path, `${JSON.stringify(attached.map(describeAttachment), null, 2)}\n`);
  ctx.bundle.add({
    path: evidencePath(ctx.incidentDir, path),
    ...file,
    startedAt,
    finishedAt: new Date().toISOString(),
    source: 'GET /containers/{id}/json (NetworkSettings.Networks, before isolation)' +
      (recalled ? ', as the interrupted attempt recorded it before its first disconnect' : ''),
  });
}

async function disconnect(ctx: StepContext, net: Attachment): Promise<void> {
  // A container that was created but never started has attachments without network ids.
  await auditedCall(ctx.audit, 'docker.network.disconnect', { network: net.name, networkId: net.NetworkID },
    () => ctx.docker.getNetwork(net.NetworkID || net.name).disconnect({ Container: ctx.container.id, Force: true }));
}

function stillAttached(remaining: Attachment[], results: PromiseSettledResult<void>[]): IrError {
  const reasons = results
    .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    .map((result) => dockerMessage(result.reason));
  const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
  return new IrError(`still attached to ${remaining.map((net) => net.name).join(', ')} after disconnecting${why}`, {
    code: 'ISOLATE_INCOMPLETE',
    source: 'environment',
    hint: 'the container can still reach the network: cut it off by hand (docker network disconnect, or pause it)',
  });
}
