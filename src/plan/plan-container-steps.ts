/**
 * The plans of the steps that act on the container, drawn from one inspect
 * and facts the engine gives without touching the container.
 */
import type Docker from 'dockerode';
import type { CaptureParams, IsolateParams, Step, TerminateParams } from '../runbook/schema.js';
import { attachmentsOf, describeAttachment } from '../steps/isolate.js';
import { listMounts } from '../steps/mounts.js';
import { sharedNetworkMode } from '../steps/network-fallback.js';
import type { PlannedMount, PlanProblem } from './plan-types.js';
import { describeBytes, type SpaceFacts } from './plan-space.js';

/** What the planners of one runbook share. */
export interface ContainerFacts {
  /** Inspected with sizes (SizeRootFs, SizeRw). */
  info: Docker.ContainerInspectInfo & { SizeRootFs?: number; SizeRw?: number };
  /** Volume name to bytes used, from the engine's disk usage report, when it was asked. */
  volumeSizes: Map<string, number>;
  space: SpaceFacts;
  /** The steps that run before this one. */
  before: Step[];
}

/** The parts of a StepPlan a planner fills in. */
export interface PlanFindings {
  details: Record<string, unknown>;
  notes: string[];
  problems: PlanProblem[];
}

export function planIsolate(params: IsolateParams, facts: ContainerFacts): PlanFindings {
  const { info } = facts;
  const mode = info.HostConfig.NetworkMode ?? 'default';
  const attached = attachmentsOf(info);
  const leave = attached.filter((net) => params.networks === 'all' || params.networks.includes(net.name));
  const kept = attached.filter((net) => !leave.includes(net)).map((net) => net.name);
  const absent = params.networks === 'all' ? [] : params.networks.filter((n) => !attached.some((a) => a.name === n));
  const notes = [
    ...(leave.length === 0 ? ['it is on no network to leave'] : []),
    ...(kept.length > 0 ? [`it would STAY ATTACHED to ${kept.join(', ')} (not in the runbook's list)`] : []),
    ...absent.map((name) => `network ${name} is in the runbook but the container is not on it`),
    ...stateNotes(info),
  ];
  return {
    details: {
      networkMode: mode, leave: leave.map(describeAttachment), keep: kept, freeze: params.freeze, fallback: params.fallback,
    },
    notes,
    problems: sharedNamespaceProblems(info, params),
  };
}

/** A shared namespace cannot be left: the fallback runs and the step fails, unless nothing runs. */
function sharedNamespaceProblems(info: Docker.ContainerInspectInfo, params: IsolateParams): PlanProblem[] {
  const mode = sharedNetworkMode(info);
  if (!mode || !info.State.Running) return [];
  const fallback = { pause: 'it would be paused instead', 'stop-after-capture': 'it would be stopped after capture',
    none: 'nothing would be done' }[params.fallback];
  return [{
    code: params.fallback === 'none' ? 'ISOLATE_UNSUPPORTED_NETWORK_MODE' : 'ISOLATE_FALLBACK',
    message: `network mode '${mode}' cannot be disconnected: ${fallback} (fallback: ${params.fallback}), ` +
      'and isolate would fail',
    hint: 'firewall it on the host, or terminate it once captured',
  }];
}

function stateNotes(info: Docker.ContainerInspectInfo): string[] {
  const { State } = info;
  if (State.Paused) return ['it is paused'];
  if (State.Restarting) return [`it is restarting in a loop (${info.RestartCount} restarts so far)`];
  if (!State.Running) return [`it is not running (${State.Status})`];
  return [];
}

export function planCapture(params: CaptureParams, facts: ContainerFacts): PlanFindings {
  const { info } = facts;
  const mounts = params.mounts ? listMounts(info).map((m) => planMount(m, info, facts, params.mountSizeLimit)) : [];
  const estimate = (params.filesystem ? info.SizeRootFs ?? 0 : 0) + mounts.reduce((n, m) => n + (m.sizeBytes ?? 0), 0);
  const notes = [
    ...(info.State.Running ? [] : ['it is not running: its tmpfs contents are already gone']),
    ...(info.State.Paused ? ['it is paused: each tmpfs read lets it run briefly (audited), then pauses it again'] : []),
  ];
  return {
    details: {
      logs: params.logs ? { driver: info.HostConfig.LogConfig?.Type ?? 'json-file' } : false,
      filesystem: params.filesystem ? { sizeRootFsBytes: info.SizeRootFs, sizeRwBytes: info.SizeRw } : false,
      mounts,
      mountSizeLimitBytes: params.mountSizeLimit,
      snapshot: params.snapshot,
      evidenceDir: facts.space.dir,
      freeBytes: facts.space.freeBytes,
      estimatedBytes: estimate,
    },
    notes,
    problems: spaceProblems(estimate, facts.space),
  };
}

function planMount(
  mount: ReturnType<typeof listMounts>[number], info: Docker.ContainerInspectInfo, facts: ContainerFacts, limit: number,
): PlannedMount {
  const engine = info.Mounts?.find((m) => m.Destination === mount.destination);
  if (mount.type === 'tmpfs') {
    const size = /(?:^|,)size=([^,]+)/.exec(info.HostConfig.Tmpfs?.[mount.destination] ?? '')?.[1];
    const sizeNote = size ? `holds at most ${size} (its size limit); read at capture` : 'no size limit set';
    return { type: 'tmpfs', destination: mount.destination, sizeNote };
  }
  const source = mount.type === 'volume' ? engine?.Name : engine?.Source;
  const bytes = source === undefined ? undefined : facts.volumeSizes.get(source);
  if (bytes === undefined) return { type: mount.type, destination: mount.destination, source, sizeNote: 'size unknown' };
  const fits = bytes <= limit ? 'within the limit' : 'OVER the limit: it would not be copied';
  return { type: mount.type, destination: mount.destination, source, sizeBytes: bytes,
    sizeNote: `${describeBytes(bytes)} (${describeBytes(limit)} limit), ${fits}` };
}

function spaceProblems(estimate: number, space: SpaceFacts): PlanProblem[] {
  if (space.freeBytes === undefined || estimate <= space.freeBytes) return [];
  return [{
    code: 'EVIDENCE_DISK_SMALL',
    message: `about ${describeBytes(estimate)} to capture, but ${space.dir} has ${describeBytes(space.freeBytes)} free`,
    hint: 'free space there or pass --evidence-dir a larger disk',
  }];
}

export function planTerminate(params: TerminateParams, facts: ContainerFacts): PlanFindings {
  const { info } = facts;
  const policy = info.HostConfig.RestartPolicy?.Name || 'no';
  const volumes = (info.Mounts ?? []).filter((m) => m.Type === 'volume').map((m) => m.Name);
  const notes = [
    ...(policy !== 'no' ? [`its restart policy '${policy}' is cleared first, so it cannot come back`] : []),
    ...(info.State.Running ? [] : [`it is ${info.State.Status}: nothing to stop, only removed`]),
    ...(info.State.Paused ? ['it is paused: it cannot act on SIGTERM, so the stop may take the whole grace period'] : []),
  ];
  const captured = facts.before.some((step) => step.kind === 'capture');
  const problems: PlanProblem[] = captured ? [] : [{
    code: 'EVIDENCE_FIRST',
    message: 'terminate would be refused: no capture step runs before it',
    hint: 'add a capture step before terminate, or pass --force-terminate --reason "why" (audited)',
  }];
  return { details: { stopTimeout: params.stopTimeout, restartPolicy: policy, volumesKept: volumes }, notes, problems };
}
