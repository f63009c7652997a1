/**
 * What `ir plan` (and `ir contain --dry-run`) found, as data: the same object
 * is printed as lines, given by `--json` and recorded in plan.json.
 */
import type { StepKind } from '../runbook/schema.js';

/** Something that would stop a step from running as planned: the cause and what to do. */
export interface PlanProblem {
  code: string;
  message: string;
  hint?: string;
}

export interface PlannedContainer {
  /** As the runbook or --target wrote it. */
  query: string;
  id: string;
  name: string;
  image: string;
  /** running, paused, restarting, exited, created, dead. */
  state: string;
  restartPolicy: string;
  restartCount: number;
  networkMode: string;
  autoRemove: boolean;
}

export interface PlannedNetwork {
  name: string;
  networkId?: string;
  ipv4?: string;
  ipv6?: string;
  mac?: string;
}

export interface PlannedMount {
  type: 'tmpfs' | 'volume' | 'bind';
  destination: string;
  /** The volume's name or the host path; absent for a tmpfs. */
  source?: string;
  /** Bytes it holds now, when the engine can say without touching the container. */
  sizeBytes?: number;
  /** What is known about its size when sizeBytes is not, and whether it fits the limit. */
  sizeNote: string;
}

/** One step: the line the run would show and what it would act on. */
export interface StepPlan {
  index: number;
  kind: StepKind;
  /** The plan line `ir contain` shows before running the step. */
  does: string;
  /** Facts found for this step (networks, mounts, secret versions). */
  details: Record<string, unknown>;
  /** What would not go as the line says. */
  notes: string[];
  problems: PlanProblem[];
}

export interface AwsPlan {
  endpoint: string;
  region?: string;
  /** Who STS says the calls would run as. */
  identity?: { arn: string; account?: string; userId?: string };
  problem?: PlanProblem;
}

export interface Plan {
  /** The plan's own id, also the name of its record directory. */
  plan: string;
  madeAt: string;
  runbook: { name: string; file: string; sha256: string };
  docker: { host: string; engineVersion?: string; apiVersion?: string; engineName?: string };
  /** Present when a step would call AWS. */
  aws?: AwsPlan;
  target: PlannedContainer;
  steps: StepPlan[];
  /** Where the plan was recorded: its directory, with plan.json and a sealed audit.jsonl. */
  record?: string;
}

/** True when every step can run as planned. */
export function planIsClear(plan: Plan): boolean {
  return plan.steps.every((step) => step.problems.length === 0);
}
