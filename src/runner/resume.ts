/**
 * `ir resume`: continues an incident that stopped before it was sealed, in
 * the same directory and on the same audit chain, from its first unfinished
 * step. Finished steps are never run again; a step that was running or had
 * failed is retried from its start, after what it left is kept aside.
 */
import { join } from 'node:path';
import { AuditTrail } from '../audit/audit-trail.js';
import { sealEvidence } from '../audit/seal.js';
import type { SigningKey } from '../audit/sign.js';
import { connectDocker } from '../docker/connect-docker.js';
import { resolveContainer, type TargetContainer } from '../docker/resolve-container.js';
import type Docker from 'dockerode';
import { IrError } from '../errors.js';
import type { Manifest } from '../evidence/manifest.js';
import type { Redactor } from '../redactor.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import type { Output } from '../ui/output.js';
import type { Prompter } from '../ui/prompter.js';
import { currentActor } from './actor.js';
import { checkWorldFor } from './check-world.js';
import { continueIncident } from './continue-incident.js';
import { DiskReserve } from '../evidence/disk-reserve.js';
import { readEarlierFollowUps } from './earlier-follow-ups.js';
import { createReserve, newBundle, type Incident } from './create-incident.js';
import type { Journal, StartedPlan } from './journal.js';
import { keepAside } from './keep-aside.js';
import { recordLockTakeover, takeLock } from './lock.js';
import { redactContainerSecrets, unfinishedSteps, type ResumableIncident } from './open-resumable.js';
import { secretEnvNames } from '../runbook/select-runbook.js';
import { incidentContext } from './incident-context.js';
import { longestStop } from './run-incident.js';
import type { StepReport } from './summary.js';

export interface ResumeIncidentOptions {
  redactor: Redactor;
  output: Output;
  prompter?: Prompter;
  json: boolean;
  operator?: string;
  signingKey?: SigningKey;
  suppliedSecret(secretId: string): Promise<string>;
  secrets?: () => SecretsApi;
}

/** Resumes an incident `openResumable` found; returns the exit code, as `ir contain` would have. */
export async function resumeIncident(options: ResumeIncidentOptions, found: ResumableIncident): Promise<number> {
  try {
    return await resumeChecked(options, found);
  } catch (error) {
    throw options.redactor.redactError(error);
  }
}

async function resumeChecked(options: ResumeIncidentOptions, found: ResumableIncident): Promise<number> {
  const { dir, journal } = found;
  const { plan } = journal;
  checkSigningKey(plan, options.signingKey);
  const docker = await connectDocker(longestStop(plan));
  await checkEngine(docker, plan);
  const container = await findContainer(docker, plan);
  await redactContainerSecrets(options.redactor, container, dir, plan);
  const actor = currentActor(options.operator ?? plan.operator);
  // A rotation run after the container was gone has no container to lock.
  const lock = plan.container.id ? await takeLock({
    evidenceDir: join(dir, '..'), engineId: plan.engineId, containerId: plan.container.id, incident: journal.incident, actor,
  }) : undefined;
  try {
    const audit = await AuditTrail.reopen(join(dir, 'audit.jsonl'),
      { incident: journal.incident, actor, target: container.name }, options.redactor,
      { details: resumeDetails(found, container), reopenSealed: found.sealed });
    await recordLockTakeover(audit, lock);
    const incident = await restoreIncident(found, audit, actor, options.redactor);
    const ctx = incidentContext(incident, {
      docker, container, redactor: options.redactor, secrets: options.secrets,
      suppliedSecret: options.suppliedSecret, forceTerminateReason: plan.forceTerminateReason,
      rotatedEnv: secretEnvNames(plan),
    });
    return await continueIncident({
      incident, ctx, container, steps: plan.steps, output: options.output, prompter: options.prompter,
      json: options.json, signingKey: options.signingKey, lock, earlier: earlierReports(journal),
      earlierFollowUps: await readEarlierFollowUps(dir, journal.steps),
      checkWorld: checkWorldFor(docker, plan.container.id),
    });
  } catch (error) {
    await lock?.release();
    throw error;
  }
}


/** The bundle as last sealed, with what the retried steps left kept aside and sealed again. */
async function restoreIncident(
  found: ResumableIncident, audit: AuditTrail, actor: ReturnType<typeof currentActor>, redactor: Redactor,
): Promise<Incident> {
  const { dir, journal, manifest } = found;
  const { plan } = journal;
  const bundle = newBundle(dir, journal.incident, plan.container, actor, redactor);
  if (manifest) bundle.restore(manifest as unknown as Manifest);
  const evidenceDir = join(dir, 'evidence', plan.container.name);
  const retried = unfinishedSteps(journal).map((step) => step.kind);
  const dropped = retried.includes('capture') ? bundle.clearMissing() : [];
  const done = journal.steps.filter((step) => step.state === 'done').map((step) => step.kind);
  const moved = await keepAside(bundle, evidenceDir, { retried, done });
  if (moved.length > 0 || dropped.length > 0) {
    await audit.append('evidence.kept-aside', 'info', { files: moved, gapsOfEarlierAttempt: dropped });
    await sealEvidence(bundle, audit);
  }
  await DiskReserve.removeLeftovers(dir);
  return { id: journal.incident, dir, evidenceDir, audit, bundle, journal, reserve: await createReserve(dir) };
}

/** What `incident.resumed` records: each step's state as found, where the run goes on, the container now. */
function resumeDetails(found: ResumableIncident, container: TargetContainer): Record<string, unknown> {
  const steps = found.journal.steps.map(({ index, kind, state }) => ({ index, kind, state }));
  const next = unfinishedSteps(found.journal)[0];
  return {
    steps, from: next?.index ?? null, container: { id: container.id, state: container.state },
    reopenedAfterSeal: found.sealed,
    ...(found.runbookSha256 !== found.journal.plan.runbook.sha256 ? { runbookNowSha256: found.runbookSha256 } : {}),
  };
}

function earlierReports(journal: Journal): Map<number, StepReport> {
  const reports = new Map<number, StepReport>();
  for (const step of journal.steps) {
    if (step.state !== 'done' && step.state !== 'skipped') continue;
    const outcome = step.state === 'done' ? 'succeeded' : 'skipped';
    reports.set(step.index, { index: step.index, kind: step.kind, outcome, summary: `${step.summary ?? step.state} (before the resume)` });
  }
  return reports;
}

/** The seal must be signed by the key the incident started with, or by none if it started with none. */
function checkSigningKey(plan: StartedPlan, key: SigningKey | undefined): void {
  if ((plan.signingKey ?? undefined) === key?.fingerprint) return;
  const wanted = plan.signingKey ? `the key ${plan.signingKey}` : 'no signing key';
  throw new IrError(`the incident started with ${wanted}; resume must seal it the same way`, {
    code: 'SIGNING_KEY_MISMATCH',
    source: 'input',
    hint: plan.signingKey ? 'pass --signing-key with the key the incident started with' : 'leave out --signing-key',
  });
}

async function checkEngine(docker: Docker, plan: StartedPlan): Promise<void> {
  const info = (await docker.info()) as { ID?: unknown };
  if (String(info.ID ?? '') === plan.engineId) return;
  throw new IrError(`the Docker engine at ${process.env.DOCKER_HOST ?? 'the default socket'} is not the one ` +
    `the incident started on (${plan.dockerHost})`, {
    code: 'ENGINE_CHANGED',
    source: 'input',
    hint: `point DOCKER_HOST at ${plan.dockerHost}, the engine the incident began on`,
  });
}

/** The container by the id the incident started with; gone is a fact to act on, not an error. */
async function findContainer(docker: Docker, plan: StartedPlan): Promise<TargetContainer> {
  if (!plan.container.id) return { ...plan.container, state: 'gone' };
  try {
    return await resolveContainer(docker, plan.container.id);
  } catch (error) {
    if (!(error instanceof IrError) || error.code !== 'CONTAINER_NOT_FOUND') throw error;
    return { ...plan.container, state: 'gone' };
  }
}

