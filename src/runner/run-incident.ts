import type { SigningKey } from '../audit/sign.js';
import { connectDocker, describeDockerHost } from '../docker/connect-docker.js';
import { findRunbookTarget } from '../docker/find-target.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import type { Redactor } from '../redactor.js';
import type { Runbook } from '../runbook/schema.js';
import { secretEnvNames } from '../runbook/select-runbook.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import type { StepContext } from '../steps/step-context.js';
import type { Output } from '../ui/output.js';
import type { Prompter } from '../ui/prompter.js';
import { currentActor } from './actor.js';
import { continueIncident } from './continue-incident.js';
import { createIncident, type Incident } from './create-incident.js';
import { incidentContext } from './incident-context.js';
import { newIncidentId } from './incident-id.js';
import { describeStep } from './run-steps.js';
import { startPlan } from './started-plan.js';
import { recordLockTakeover, takeLock } from './lock.js';

/** A validated runbook and everything decided before the first change. */
export interface RunIncidentOptions {
  runbook: Runbook;
  redactor: Redactor;
  output: Output;
  /** Absent in scripted mode. */
  prompter?: Prompter;
  forceTerminateReason?: string;
  suppliedSecret(secretId: string): Promise<string>;
  /** An incident id already checked with checkCaseId. */
  caseId?: string;
  evidenceDir: string;
  json: boolean;
  secrets?: () => SecretsApi;
  /** `--operator`: goes into every record's actor. */
  operator?: string;
  /** `--ticket`: recorded once, when the incident starts. */
  ticket?: string;
  /** Signs the audit trail's seal (`--signing-key`). */
  signingKey?: SigningKey;
  /** The `--steps` selection, kept in the journal so a resume selects the same steps. */
  selectedKinds?: string[];
  /** `--clear-stale-pending`: a rotation may clear a half-done rotation's label and go on. */
  clearStalePending?: boolean;
}

/** Opens an incident on the runbook's target, runs its steps, seals the evidence, reports. */
export async function runIncident(options: RunIncidentOptions): Promise<number> {
  try {
    return await runIncidentSteps(options);
  } catch (error) {
    // The top level prints what escapes with no redactor at hand: Docker and AWS text can echo secrets.
    throw options.redactor.redactError(error);
  }
}

async function runIncidentSteps(options: RunIncidentOptions): Promise<number> {
  const { runbook, redactor, output } = options;
  const docker = await connectDocker(longestStop(runbook));
  // Asked beside the target lookup rather than after it: every moment before isolation counts.
  const engine = docker.info() as Promise<{ ID?: unknown }>;
  engine.catch(() => undefined);
  const container = await findRunbookTarget(docker, runbook);
  redactor.addEnvironment(container.info?.Config.Env, secretEnvNames(runbook));
  const id = options.caseId ?? newIncidentId(container.name, new Date());
  const actor = currentActor(options.operator);
  const plan = startPlan(await engine, runbook, container, { ...options, signingKey: options.signingKey?.fingerprint });
  const lock = container.id ? await takeLock({
    evidenceDir: options.evidenceDir, engineId: plan.engineId, containerId: container.id, incident: id, actor,
  }) : undefined;
  const incident = await createIncident({ id, parentDir: options.evidenceDir, plan, container, actor, redactor })
    .catch(async (error: unknown) => {
      await lock?.release();
      throw error;
    });

  const ctx = incidentContext(incident, {
    docker, container, redactor, secrets: options.secrets, suppliedSecret: options.suppliedSecret,
    forceTerminateReason: options.forceTerminateReason, rotatedEnv: secretEnvNames(runbook),
    clearStalePending: options.clearStalePending,
  });
  await recordStart(incident, runbook, container, ctx, options);
  await recordLockTakeover(incident.audit, lock);

  return continueIncident({
    incident, ctx, container, steps: runbook.steps, output, prompter: options.prompter, json: options.json,
    signingKey: options.signingKey, lock,
  });
}

async function recordStart(
  incident: Incident, runbook: Runbook, container: TargetContainer, ctx: StepContext, options: RunIncidentOptions,
): Promise<void> {
  const plan = runbook.steps.map((step, i) => `${i + 1}. ${step.kind}: ${describeStep(step, ctx)}`);
  await incident.audit.append('incident.started', 'started', {
    runbook: { name: runbook.name, file: runbook.file, sha256: runbook.sha256 },
    container: { id: container.id, name: container.name, image: container.image, state: container.state },
    dockerHost: describeDockerHost(),
    mode: options.prompter ? 'interactive' : 'scripted',
    ...(options.ticket ? { ticket: options.ticket } : {}),
    ...(options.forceTerminateReason ? { reason: options.forceTerminateReason } : {}),
    ...(options.signingKey ? { signingKey: options.signingKey.fingerprint } : {}),
    plan,
  });
  options.output.progress(`Incident ${incident.id}: ${runbook.name} on ${container.name} (${container.id.slice(0, 12)})`);
  for (const line of plan) options.output.progress(`  ${line}`);
}


/** The longest a stop may legitimately keep the engine silent: the client's idle timeout must outlast it. */
export function longestStop(runbook: Pick<Runbook, 'steps'>): number {
  return Math.max(0, ...runbook.steps.map((step) => (step.kind === 'terminate' ? step.params.stopTimeout : 0)));
}

