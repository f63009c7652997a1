import { describeBytes } from './plan-space.js';
import type { Plan, PlannedMount, PlannedNetwork, StepPlan } from './plan-types.js';

/** The plan as lines for people: what each step would act on, then what stands in its way. */
export function formatPlan(plan: Plan): string[] {
  const { runbook, docker, target } = plan;
  const lines = [
    `Plan ${plan.plan}: runbook ${runbook.name} (${runbook.file}, sha256 ${runbook.sha256.slice(0, 12)}…)`,
    `Docker: ${docker.host}${docker.engineVersion ? ` (engine ${docker.engineVersion}, API ${docker.apiVersion})` : ''}`,
    ...(plan.aws ? [formatAws(plan.aws)] : []),
    target.id
      ? `Target: ${target.name} ${target.id} (${target.image}), ${target.state}, restart policy ${target.restartPolicy}, ` +
        `network mode ${target.networkMode}`
      : `Target: ${target.name}: gone`,
  ];
  for (const step of plan.steps) lines.push(...formatStep(step));
  return lines;
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
  capture: (d) => [
    ...(d.filesystem && typeof (d.filesystem as Details).sizeRootFsBytes === 'number'
      ? [`filesystem: ${describeBytes((d.filesystem as { sizeRootFsBytes: number }).sizeRootFsBytes)}`] : []),
    ...((d.mounts as PlannedMount[] | undefined) ?? []).map((m) =>
      `${m.type} ${m.destination}${m.source ? ` (${m.source})` : ''}: ${m.sizeNote}`),
    `evidence under ${d.evidenceDir}${typeof d.freeBytes === 'number' ? ` (${describeBytes(d.freeBytes)} free)` : ''}`,
  ],
  terminate: (d) => [`restart policy now: ${d.restartPolicy}; volumes kept: ${(d.volumesKept as string[]).join(', ') || 'none'}`],
  'rotate-secret': (d) => (d.arn ? [
    `${d.arn}: AWSCURRENT is ${d.currentVersionId}; rotation function ${d.rotationLambdaConfigured ? 'configured' : 'none'}`,
  ] : []),
};

function addresses(net: PlannedNetwork): string {
  return [net.ipv4, net.ipv6].filter(Boolean).map((ip) => `, ${ip}`).join('');
}
