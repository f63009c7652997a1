import { join } from 'node:path';
import type { AuditTrail } from '../audit/audit-trail.js';
import { auditedSecretsApi, recordAwsIdentity } from '../audit/aws-records.js';
import { sealEvidence, sealIncident } from '../audit/seal.js';
import type { SigningKey } from '../audit/sign.js';
import { connectDocker, describeDockerHost } from '../docker/connect-docker.js';
import { findRunbookTarget } from '../docker/find-target.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import type { Redactor } from '../redactor.js';
import type { Runbook } from '../runbook/schema.js';
import { secretEnvNames } from '../runbook/select-runbook.js';
import { redactingSecretsApi } from '../secrets/redacting-secrets-api.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import type { StepContext } from '../steps/step-context.js';
import type { Output } from '../ui/output.js';
import type { Prompter } from '../ui/prompter.js';
import { currentActor } from './actor.js';
import { createIncident, type Incident } from './create-incident.js';
import { newIncidentId } from './incident-id.js';
import { exitCodeFor, isPartlyContained } from './exit-code.js';
import { describeStep, runSteps } from './run-steps.js';
import {
  formatSummary, remainingWork, type IncidentSummary, type IncidentOutcome, type StepReport,
} from './summary.js';

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
  const container = await findRunbookTarget(docker, runbook);
  redactor.addEnvironment(container.info?.Config.Env, secretEnvNames(runbook));
  const id = options.caseId ?? newIncidentId(container.name, new Date());
  const incident = await createIncident({
    id, parentDir: options.evidenceDir, runbook, container, actor: currentActor(options.operator), redactor,
  });

  let secrets: Promise<SecretsApi> | undefined;
  const ctx: StepContext = {
    incidentId: id, incidentDir: incident.dir, evidenceDir: incident.evidenceDir,
    docker, container, audit: incident.audit, bundle: incident.bundle, redactor,
    forceTerminateReason: options.forceTerminateReason, diskReserve: incident.reserve,
    secrets: () => (secrets ??= openSecrets(options.secrets, redactor, incident.audit)),
    suppliedSecret: options.suppliedSecret,
    journal: incident.journal, rotatedEnv: secretEnvNames(runbook), clearStalePending: options.clearStalePending,
  };
  await recordStart(incident, runbook, container, ctx, options);

  const { outcome, reports } = await runSteps({ steps: runbook.steps, incident, ctx, output, prompter: options.prompter });
  const summary = await finish(incident, container, outcome, reports, options.signingKey);
  if (options.json) output.json(summary);
  else for (const line of formatSummary(summary)) output.result(line);
  return exitCodeFor(outcome, reports);
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

async function finish(
  incident: Incident, container: TargetContainer, outcome: IncidentOutcome, reports: StepReport[],
  signingKey: SigningKey | undefined,
): Promise<IncidentSummary> {
  await incident.reserve.release();
  const { manifest } = await sealEvidence(incident.bundle, incident.audit);
  await incident.audit.append('incident.finished', outcome === 'succeeded' ? 'succeeded' : 'failed', {
    outcome,
    steps: reports.map(({ index, kind, outcome: stepOutcome }) => ({ index, kind, outcome: stepOutcome })),
    evidenceComplete: manifest.complete,
    remaining: remainingWork(reports),
  });
  const auditSeal = await sealIncident(incident.audit, incident.bundle, signingKey);
  return {
    incident: incident.id,
    directory: incident.dir,
    target: { container: container.name, id: container.id },
    outcome,
    partlyContained: isPartlyContained(reports),
    steps: reports,
    evidence: {
      manifest: join(incident.dir, 'manifest.json'),
      captured: manifest.captured,
      complete: manifest.complete,
      missing: manifest.missing,
      partial: manifest.items.filter((item) => item.partial).map((item) => item.path),
    },
    auditSeal,
  };
}

/**
 * The AWS SDK loads only when a step needs it: nothing slows isolation down.
 * Opened once per incident, which is when the AWS identity is recorded.
 */
async function openSecrets(
  override: (() => SecretsApi) | undefined, redactor: Redactor, audit: AuditTrail,
): Promise<SecretsApi> {
  const create = override ?? (await import('../secrets/secrets-api.js')).createSecretsApi;
  const api = auditedSecretsApi(redactingSecretsApi(create(), redactor), audit);
  await recordAwsIdentity(api, audit);
  return api;
}

function longestStop(runbook: Runbook): number {
  return Math.max(0, ...runbook.steps.map((step) => (step.kind === 'terminate' ? step.params.stopTimeout : 0)));
}
