/**
 * Builds a plan read-only: list and inspect calls to the engine, describe and
 * identity calls to AWS. Nothing here creates, changes or runs anything.
 */
import type Docker from 'dockerode';
import { connectDocker, describeDockerHost } from '../docker/connect-docker.js';
import { findRunbookTarget } from '../docker/find-target.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import type { Redactor } from '../redactor.js';
import type { Runbook, Step } from '../runbook/schema.js';
import { secretEnvNames } from '../runbook/select-runbook.js';
import { describeStep } from '../runner/run-steps.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import {
  planCapture, planIsolate, planTerminate, type ContainerFacts, type PlanFindings,
} from './plan-container-steps.js';
import { planAws, planRotate } from './plan-rotation.js';
import { planSwarmRotate } from './plan-swarm.js';
import { readSpace } from './plan-space.js';
import type { Plan, PlannedContainer, StepPlan } from './plan-types.js';

export interface BuildPlanOptions {
  runbook: Runbook;
  redactor: Redactor;
  evidenceDir: string;
  /** Opens Secrets Manager; tests stand in for AWS errors the emulator cannot produce. */
  secrets(): Promise<SecretsApi>;
}

/** The plan, all but its id, which names the target as the engine knows it. */
export async function buildPlan(options: BuildPlanOptions): Promise<Omit<Plan, 'plan'>> {
  const { runbook } = options;
  const docker = await connectDocker();
  const container = await findRunbookTarget(docker, runbook);
  options.redactor.addEnvironment(container.info?.Config.Env, secretEnvNames(runbook));
  const info = container.info ? await inspectWithSizes(docker, container.id) : undefined;
  const usesAws = runbook.steps.some((s) => s.kind === 'rotate-secret' && s.params.store === 'aws');
  const api = usesAws ? await options.secrets() : undefined;

  const facts = info && (await containerFacts(docker, info, options.evidenceDir));
  const steps: StepPlan[] = [];
  for (const [offset, step] of runbook.steps.entries()) {
    const before = runbook.steps.slice(0, offset);
    const findings = await planStep(step, facts && { ...facts, before }, { docker, api, info });
    const does = describeStep(step, { container });
    steps.push({ index: offset + 1, kind: step.kind, does, ...findings });
  }
  return {
    madeAt: new Date().toISOString(),
    runbook: { name: runbook.name, file: runbook.file, sha256: runbook.sha256 },
    docker: await describeEngine(docker),
    ...(api ? { aws: await planAws(api) } : {}),
    target: describeContainer(runbook.target.container, container, info),
    steps,
  };
}

/** `size=1` adds SizeRootFs and SizeRw: the engine adds them up without entering the container. */
function inspectWithSizes(docker: Docker, id: string): Promise<ContainerFacts['info']> {
  return docker.getContainer(id).inspect({ size: true } as Docker.ContainerInspectOptions);
}

/** What the rotation planners read from. */
interface PlanParts {
  docker: Docker;
  /** Opened only when a step rotates an AWS secret. */
  api?: SecretsApi;
  info?: Docker.ContainerInspectInfo;
}

const GONE = { code: 'CONTAINER_NOT_FOUND', message: 'the container is gone' };

async function planStep(
  step: Step, facts: ContainerFacts | undefined, parts: PlanParts,
): Promise<PlanFindings> {
  if (step.kind === 'rotate-secret') {
    if (step.params.store === 'swarm') return planSwarmRotate(step.params, parts.docker);
    return planRotate(step.params, parts.api!, parts.info);
  }
  if (!facts) return { details: {}, notes: [], problems: [GONE] };
  if (step.kind === 'isolate') return planIsolate(step.params, facts);
  if (step.kind === 'capture') return planCapture(step.params, facts);
  return planTerminate(step.params, facts);
}

async function containerFacts(
  docker: Docker, info: Docker.ContainerInspectInfo, evidenceDir: string,
): Promise<Omit<ContainerFacts, 'before'>> {
  const volumeSizes = await readVolumeSizes(docker, info);
  const space = await readSpace(evidenceDir);
  return { info, volumeSizes, space };
}

type DiskUsage = { Volumes?: { Name: string; UsageData?: { Size?: number } }[] };

/** The engine's disk usage report walks every volume: asked only when the target has one. */
async function readVolumeSizes(docker: Docker, info: Docker.ContainerInspectInfo) {
  const sizes = new Map<string, number>();
  if (!(info.Mounts ?? []).some((mount) => mount.Type === 'volume')) return sizes;
  const usage = (await docker.df().catch(() => ({}))) as DiskUsage;
  for (const volume of usage.Volumes ?? []) {
    const size = volume.UsageData?.Size;
    if (typeof size === 'number' && size >= 0) sizes.set(volume.Name, size);
  }
  return sizes;
}

async function describeEngine(docker: Docker): Promise<Plan['docker']> {
  const version = await docker.version().catch(() => undefined);
  const info = (await docker.info().catch(() => undefined)) as { Name?: string } | undefined;
  return {
    host: describeDockerHost(),
    engineVersion: version?.Version,
    apiVersion: version?.ApiVersion,
    engineName: info?.Name,
  };
}

function describeContainer(
  query: string, container: TargetContainer, info: Docker.ContainerInspectInfo | undefined,
): PlannedContainer {
  return {
    query,
    id: container.id,
    name: container.name,
    image: container.image,
    state: container.state,
    restartPolicy: info?.HostConfig.RestartPolicy?.Name || 'no',
    restartCount: info?.RestartCount ?? 0,
    networkMode: info?.HostConfig.NetworkMode ?? '',
    autoRemove: info?.HostConfig.AutoRemove ?? false,
  };
}
