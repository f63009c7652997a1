import { describeBytes } from './plan-space.js';
import type { Plan, PlannedMount, PlannedNetwork, StepPlan } from './plan-types.js';

/** The plan as lines for people: what each step would act on, then what stands in its way. */
export function formatPlan(plan: Plan): string[] {
  const { runbook, docker, target } = plan;
  const { engineVersion, apiVersion } = docker;
  const engine = engineVersion ? ` (engine ${engineVersion}, API ${apiVersion})` : '';
  const sha = runbook.sha256.slice(0, 12);
  const lines = [
    `Plan ${plan.plan}: runbook ${runbook.name} (${runbook.file}, sha256 ${sha}…)`,
    `Docker: ${docker.host}${engine}`,
    ...(plan.aws ? [formatAws(plan.aws)] : []),
    target.id ? formatTarget(target) : `Target: ${target.name}: gone`,
  ];
  for (const step of plan.steps) lines.push(...formatStep(step));
  return lines;
}

function formatTarget(target: Plan['target']): string {
  return `Target: ${target.name} ${target.id} (${target.image}), ${target.state}, ` +
    `restart policy ${target.restartPolicy}, network mode ${target.networkMode}`;
}

function formatAws(aws: NonNullable<Plan['aws']>): string {
  const where = `AWS: endpoint ${aws.endpoint}, region ${aws.region ?? 'not set'}`;
  if (aws.identity) return `${where}, as ${aws.identity.arn}`;
  return `${where}, identity unknown: ${aws.problem?.message ?? 'not asked'}`;
}

function formatStep(step: StepPlan): string[] {
  const lines = [`  ${step.index}. ${step.kind}: ${step.does}`];
  const facts = FACTS[step.kind](step.details);
  for (const fact of facts) lines.push(`       ${fact}`);
  for (const note of step.notes) lines.push(`       note: ${note}`);
  for (const problem of step.problems) {
    lines.push(`       ✖ ${problem.message} [${problem.code}]`);
    if (problem.hint) lines.push(`         hint: ${problem.hint}`);
  }
  return lines;
}

type Details = Record<string, unknown>;

const FACTS: Record<StepPlan['kind'], (details: Details) => string[]> = {
  isolate: (d) => [
    ...((d.leave as PlannedNetwork[] | undefined) ?? []).map((net) =>
      `leave ${net.name} (${net.networkId?.slice(0, 12) || 'no id yet'}${addresses(net)})`),
  ],
  capture: (d) => {
    const filesystem = d.filesystem as { sizeRootFsBytes?: unknown } | false;
    const fsBytes = filesystem ? filesystem.sizeRootFsBytes : undefined;
    const free = typeof d.freeBytes === 'number' ? ` (${describeBytes(d.freeBytes)} free)` : '';
    return [
      ...(typeof fsBytes === 'number' ? [`filesystem: ${describeBytes(fsBytes)}`] : []),
      ...((d.mounts as PlannedMount[] | undefined) ?? []).map((m) =>
        `${m.type} ${m.destination}${m.source ? ` (${m.source})` : ''}: ${m.sizeNote}`),
      `evidence under ${d.evidenceDir}${free}`,
    ];
  },
  terminate: (d) => {
    const volumes = (d.volumesKept as string[]).join(', ') || 'none';
    return [`restart policy now: ${d.restartPolicy}; volumes kept: ${volumes}`];
  },
  'rotate-secret': (d) => {
    if (d.swarmSecretId) {
      const services = (d.services as string[]).join(', ') || 'none';
      return [`Swarm secret ${d.swarmSecretId}; services that mount it: ${services}`];
    }
    if (!d.arn) return [];
    const lambda = d.rotationLambdaConfigured ? 'configured' : 'none';
    return [`${d.arn}: AWSCURRENT is ${d.currentVersionId}; rotation function ${lambda}`];
  },
};

function addresses(net: PlannedNetwork): string {
  return [net.ipv4, net.ipv6].filter(Boolean).map((ip) => `, ${ip}`).join('');
}
