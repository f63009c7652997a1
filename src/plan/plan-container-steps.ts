/**
 * The plans of the steps that act on the container, drawn from one inspect
 * and facts the engine gives without touching the container.
 */
import type Docker from 'dockerode';
import type { CaptureParams, IsolateParams, Step, TerminateParams } from '../runbook/schema.js';
import { attachmentsOf, describeAttachment } from '../steps/isolate.js';
import { listMounts, type MountToCapture } from '../steps/mounts.js';
import { sharedNetworkMode } from '../steps/network-fallback.js';
import type { PlannedMount, PlanProblem } from './plan-types.js';
import { describeBytes, type SpaceFacts } from './plan-space.js';

type Inspected = Docker.ContainerInspectInfo & { SizeRootFs?: number; SizeRw?: number };

/** What the planners of one runbook share. */
export interface ContainerFacts {
  /** Inspected with sizes (SizeRootFs, SizeRw). */
  info: Inspected;
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
  const attached = attachmentsOf(info);
  const listed = (name: string) => params.networks === 'all' || params.networks.includes(name);
  const leave = attached.filter((net) => listed(net.name));
  const kept = attached.filter((net) => !listed(net.name)).map((net) => net.name);
  const names = attached.map((net) => net.name);
  const absent = params.networks === 'all' ? [] : params.networks.filter((n) => !names.includes(n));
  const notes = [
    ...(leave.length === 0 ? ['it is on no network to leave'] : []),
    ...(kept.length > 0 ? [`it would STAY ATTACHED to ${kept.join(', ')} (not in the list)`] : []),
    ...absent.map((name) => `network ${name} is in the runbook but the container is not on it`),
    ...stateNotes(info),
  ];
  const details = {
    networkMode: info.HostConfig.NetworkMode ?? 'default',
    leave: leave.map(describeAttachment),
    keep: kept,
    freeze: params.freeze,
    fallback: params.fallback,
  };
  return { details, notes, problems: sharedNamespaceProblems(info, params) };
}

const FALLBACK_EFFECT: Record<IsolateParams['fallback'], string> = {
  pause: 'it would be paused instead',
  'stop-after-capture': 'it would be stopped after capture',
  none: 'nothing would be done',
};

/** A shared namespace cannot be left: the fallback runs and the step fails, unless nothing runs. */
function sharedNamespaceProblems(info: Inspected, params: IsolateParams): PlanProblem[] {
  const mode = sharedNetworkMode(info);
  if (!mode || !info.State.Running) return [];
  return [{
    code: params.fallback === 'none' ? 'ISOLATE_UNSUPPORTED_NETWORK_MODE' : 'ISOLATE_FALLBACK',
    message: `network mode '${mode}' cannot be disconnected: ${FALLBACK_EFFECT[params.fallback]} ` +
      `(fallback: ${params.fallback}), and isolate would fail`,
    hint: 'firewall it on the host, or terminate it once captured',
  }];
}

function stateNotes(info: Docker.ContainerInspectInfo): string[] {
  const { State } = info;
  if (State.Paused) return ['it is paused'];
  if (State.Restarting) return [`it is restarting in a loop (${info.RestartCount} restarts)`];
  if (!State.Running) return [`it is not running (${State.Status})`];
  return [];
}

export function planCapture(params: CaptureParams, facts: ContainerFacts): PlanFindings {
  const { info } = facts;
  const limit = params.mountSizeLimit;
  const mounts = params.mounts ? listMounts(info).map((m) => planMount(m, info, facts, limit)) : [];
  const mountBytes = mounts.reduce((sum, m) => sum + (m.sizeBytes ?? 0), 0);
  const estimate = (params.filesystem ? info.SizeRootFs ?? 0 : 0) + mountBytes;
  const notes = [
    ...(info.State.Running ? [] : ['it is not running: its tmpfs contents are already gone']),
    ...(info.State.Paused ? ['it is paused: each tmpfs read lets it run briefly (audited)'] : []),
  ];
  const details = {
    logs: params.logs ? { driver: info.HostConfig.LogConfig?.Type ?? 'json-file' } : false,
    filesystem: params.filesystem && { sizeRootFsBytes: info.SizeRootFs, sizeRwBytes: info.SizeRw },
    mounts,
    mountSizeLimitBytes: limit,
    snapshot: params.snapshot,
    evidenceDir: facts.space.dir,
    freeBytes: facts.space.freeBytes,
    estimatedBytes: estimate,
  };
  return { details, notes, problems: spaceProblems(estimate, facts.space) };
}

function planMount(
  mount: MountToCapture, info: Inspected, facts: ContainerFacts, limit: number,
): PlannedMount {
  const { type, destination } = mount;
  if (type === 'tmpfs') {
    const size = destination === '/dev/shm' && info.HostConfig.ShmSize
      ? describeBytes(info.HostConfig.ShmSize)
      : /(?:^|,)size=([^,]+)/.exec(info.HostConfig.Tmpfs?.[destination] ?? '')?.[1];
    if (!size) return { type, destination, sizeNote: 'no size limit set' };
    return { type, destination, sizeNote: `holds at most ${size} (its limit); read at capture` };
  }
  const engine = info.Mounts?.find((m) => m.Destination === destination);
  const source = type === 'volume' ? engine?.Name : engine?.Source;
  const bytes = source === undefined ? undefined : facts.volumeSizes.get(source);
  if (bytes === undefined) return { type, destination, source, sizeNote: 'size unknown' };
  const fits = bytes <= limit ? 'within the limit' : 'OVER the limit: it would not be copied';
  const sizeNote = `${describeBytes(bytes)} (${describeBytes(limit)} limit), ${fits}`;
  return { type, destination, source, sizeBytes: bytes, sizeNote };
}

function spaceProblems(estimate: number, space: SpaceFacts): PlanProblem[] {
  if (space.freeBytes === undefined || estimate <= space.freeBytes) return [];
  return [{
    code: 'EVIDENCE_DISK_SMALL',
    message: `about ${describeBytes(estimate)} to capture, ` +
      `but ${space.dir} has ${describeBytes(space.freeBytes)} free`,
    hint: 'free space there or pass --evidence-dir a larger disk',
  }];
}

export function planTerminate(params: TerminateParams, facts: ContainerFacts): PlanFindings {
  const { info } = facts;
  const policy = info.HostConfig.RestartPolicy?.Name || 'no';
  const volumes = (info.Mounts ?? []).filter((m) => m.Type === 'volume').map((m) => m.Name);
  const cleared = `its restart policy '${policy}' is cleared first, so it cannot come back`;
  const paused = 'it is paused: it cannot act on SIGTERM; expect the whole grace period';
  const notes = [
    ...(policy === 'no' ? [] : [cleared]),
    ...(info.State.Running ? [] : [`it is ${info.State.Status}: nothing to stop, only removed`]),
    ...(info.State.Paused ? [paused] : []),
  ];
  const captured = facts.before.some((step) => step.kind === 'capture');
  const problems: PlanProblem[] = captured ? [] : [{
    code: 'EVIDENCE_FIRST',
    message: 'terminate would be refused: no capture step runs before it',
    hint: 'add a capture step before terminate, or pass --force-terminate --reason "why" (audited)',
  }];
  const details = { stopTimeout: params.stopTimeout, restartPolicy: policy, volumesKept: volumes };
  return { details, notes, problems };
}
