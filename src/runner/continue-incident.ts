/**
 * Runs an open incident's steps to the end, for `ir contain` and `ir resume`
 * alike: Ctrl-C handling, the container's lock, and the two ways a run ends,
 * sealed when it finished, or left unsealed and resumable when a signal
 * stopped it.
 */
import { join } from 'node:path';
import { sealEvidence, sealIncident } from '../audit/seal.js';
import type { SigningKey } from '../audit/sign.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import { ExitCode } from '../errors.js';
import type { Manifest } from '../evidence/manifest.js';
import type { Step } from '../runbook/schema.js';
import type { StepContext, StepResult } from '../steps/step-context.js';
import type { Output } from '../ui/output.js';
import type { Prompter } from '../ui/prompter.js';
import type { Incident } from './create-incident.js';
import type { HeldLock } from './lock.js';
import { exitCodeFor, isPartlyContained } from './exit-code.js';
import { runSteps } from './run-steps.js';
import { watchInterrupts } from './signals.js';
import {
  formatSummary, remainingWork, type IncidentOutcome, type IncidentSummary, type StepReport,
} from './summary.js';

export interface ContinueIncidentOptions {
  incident: Incident;
  ctx: StepContext;
  container: TargetContainer;
  steps: Step[];
  output: Output;
  prompter?: Prompter;
  json: boolean;
  signingKey?: SigningKey;
  lock?: HeldLock;
  /** Steps done before a resume, by index. */
  earlier?: Map<number, StepReport>;
  /** What the runs before a resume left for a person to do, from the audit trail. */
  earlierFollowUps?: string[];
  checkWorld?(step: Step, index: number): Promise<StepResult | undefined>;
}

/** Runs the steps, then seals the incident, or leaves it resumable if a signal stopped it. */
export async function continueIncident(options: ContinueIncidentOptions): Promise<number> {
  const { output } = options;
  const watch = watchInterrupts({
    onFirst: (signal) => output.progress(`${signal}: stopping after the current step ` +
      '(press Ctrl-C again to stop at once; the journal and audit trail stay consistent)'),
    stopNow: (signal) => stopNow(options, signal),
  });
  try {
    const { outcome, reports } = await runSteps({ ...options, stop: watch.stop });
    const { stop } = watch;
    if (stop.requested) return await leaveResumable(options, reports, stop.signal ?? 'SIGINT');
    const summary = await finish(options, outcome, reports);
    report(options, summary);
    return exitCodeFor(outcome, reports);
  } finally {
    watch.dispose();
    await options.lock?.release();
  }
}

/** The second signal: the running step is recorded as interrupted, on disk, before ir exits. */
async function stopNow(options: ContinueIncidentOptions, signal: NodeJS.Signals): Promise<void> {
  const { incident, output } = options;
  const running = incident.journal.steps.find((step) => step.state === 'running');
  const error = { code: 'INTERRUPTED', message: `stopped at once by a second ${signal} while it ran` };
  try {
    await incident.audit.appendLast('incident.interrupted', 'failed', {
      signal, ...(running ? { step: running.index, kind: running.kind } : {}),
    });
    if (running) await incident.journal.set(running.index, 'failed', error);
    await options.lock?.release();
  } finally {
    output.progress(`Stopped at once. ${resumeHint(incident)}`);
  }
}

/** The first signal, once the step in hand finished: evidence sealed, trail left open for `ir resume`. */
async function leaveResumable(
  options: ContinueIncidentOptions, reports: StepReport[], signal: NodeJS.Signals,
): Promise<number> {
  const { incident, output } = options;
  await incident.reserve.release();
  const { manifest } = await sealEvidence(incident.bundle, incident.audit);
  await incident.audit.append('incident.aborted', 'info', {
    signal, steps: outcomes(reports), resume: `ir resume ${incident.dir}`,
  });
  await incident.audit.close();
  const summary = summarise(options, 'aborted', reports, manifest);
  report(options, summary);
  output.progress(resumeHint(incident));
  return ExitCode.aborted;
}

function resumeHint(incident: Incident): string {
  return `Resume with: ir resume ${incident.dir}`;
}

async function finish(
  options: ContinueIncidentOptions, outcome: IncidentOutcome, reports: StepReport[],
): Promise<IncidentSummary> {
  const { incident } = options;
  await incident.reserve.release();
  const { manifest } = await sealEvidence(incident.bundle, incident.audit);
  await incident.audit.append('incident.finished', outcome === 'succeeded' ? 'succeeded' : 'failed', {
    outcome, steps: outcomes(reports), evidenceComplete: manifest.complete,
    remaining: remainingWork(reports, options.earlierFollowUps),
  });
  const auditSeal = await sealIncident(incident.audit, incident.bundle, options.signingKey);
  return { ...summarise(options, outcome, reports, manifest), auditSeal };
}

function outcomes(reports: StepReport[]) {
  return reports.map(({ index, kind, outcome }) => ({ index, kind, outcome }));
}

function summarise(
  options: ContinueIncidentOptions, outcome: IncidentOutcome, reports: StepReport[], manifest: Manifest,
): IncidentSummary {
  const { incident, container } = options;
  return {
    incident: incident.id,
    directory: incident.dir,
    target: { container: container.name, id: container.id },
    outcome,
    partlyContained: isPartlyContained(reports),
    steps: reports,
    remaining: remainingWork(reports, options.earlierFollowUps),
    evidence: {
      manifest: join(incident.dir, 'manifest.json'),
      captured: manifest.captured,
      complete: manifest.complete,
      missing: manifest.missing,
      partial: manifest.items.filter((item) => item.partial).map((item) => item.path),
    },
  };
}

function report(options: ContinueIncidentOptions, summary: IncidentSummary): void {
  if (options.json) options.output.json(summary);
  else for (const line of formatSummary(summary)) options.output.result(line);
}
