import { IrError } from '../errors.js';
import { isDiskFull } from '../evidence/disk-reserve.js';
import type { Step } from '../runbook/schema.js';
import { STEP_DEFINITIONS } from '../steps/registry.js';
import type { StepContext, StepDefinition, StepResult } from '../steps/step-context.js';
import type { Output } from '../ui/output.js';
import type { Prompter, StepAnswer } from '../ui/prompter.js';
import type { Incident } from './create-incident.js';
import { reportedErrorOf } from './reported-error.js';
import type { StopRequest } from './signals.js';
import type { IncidentOutcome, StepReport } from './summary.js';

export interface RunStepsOptions {
  steps: Step[];
  incident: Incident;
  ctx: StepContext;
  output: Output;
  /** Absent in scripted mode (--yes): every step runs without asking. */
  prompter?: Prompter;
  /** Set by the first Ctrl-C: no step starts after it. */
  stop?: StopRequest;
  /** Steps finished before a resume, by index: reported, never run again. */
  earlier?: Map<number, StepReport>;
  /** Before a step runs: a result when the world shows it already took effect (resume). */
  checkWorld?(step: Step, index: number): Promise<StepResult | undefined>;
}

function definitionOf(step: Step): StepDefinition<unknown> {
  return STEP_DEFINITIONS[step.kind] as StepDefinition<unknown>;
}

/** Describes a step for the plan and the prompt, without touching anything. */
export function describeStep(step: Step, ctx: Pick<StepContext, 'container'>): string {
  return definitionOf(step).describe(step.params, ctx);
}

/**
 * Runs the steps in order. A failed step does not stop the ones after it:
 * containment should get as far as it safely can, and each step guards its
 * own preconditions (terminate refuses without sealed evidence). Only the
 * operator's abort stops the run; the steps left are recorded as not run.
 */
export async function runSteps(options: RunStepsOptions): Promise<{ outcome: IncidentOutcome; reports: StepReport[] }> {
  const reports: StepReport[] = [];
  let aborted = false;
  let abortReason = 'the operator aborted the incident';
  for (const [offset, step] of options.steps.entries()) {
    const index = offset + 1;
    const earlier = options.earlier?.get(index);
    if (earlier) {
      reports.push(earlier);
      continue;
    }
    if (!aborted && options.stop?.requested) {
      aborted = true;
      abortReason = `stopped by ${options.stop.signal ?? 'a signal'} before it started`;
    }
    if (aborted) {
      reports.push(await recordSkip(options, step, index, abortReason, 'not-run'));
      continue;
    }
    const answer = await ask(options, step, index);
    if (answer !== 'run') {
      aborted = answer === 'abort';
      const reason = aborted ? 'the operator aborted the incident' : 'the operator chose to skip it';
      reports.push(await recordSkip(options, step, index, reason, aborted ? 'not-run' : 'skipped'));
      continue;
    }
    const report = await runOne(options, step, index);
    aborted = report.error?.code === 'ABORTED';
    reports.push(report);
  }
  return { outcome: outcomeOf(reports, aborted), reports };
}

function outcomeOf(reports: StepReport[], aborted: boolean): IncidentOutcome {
  if (aborted) return 'aborted';
  return reports.some((report) => report.outcome === 'failed') ? 'failed' : 'succeeded';
}

async function ask(options: RunStepsOptions, step: Step, index: number): Promise<StepAnswer> {
  if (!options.prompter) return 'run';
  const line = describeStep(step, options.ctx);
  // Prompts reach the terminal without Output, so they are redacted here.
  const answer = await options.prompter.askStep(options.ctx.redactor.redact(`Step ${index} ${step.kind}: ${line}?`));
  await options.incident.audit.append('operator.decision', 'info', { step: index, kind: step.kind, answer });
  return answer;
}

async function runOne(options: RunStepsOptions, step: Step, index: number): Promise<StepReport> {
  const { incident, ctx, output } = options;
  const definition = definitionOf(step);
  const line = describeStep(step, ctx);
  try {
    // Questions come before the spinner, which would draw over them.
    await definition.prepare?.(step.params, ctx);
  } catch (thrown) {
    if (!(thrown instanceof IrError && thrown.code === 'ABORTED')) return recordFailure(options, step, index, thrown);
    // Ctrl-C at the step's own question: nothing ran, so the step was not run rather than failed.
    const report = await recordSkip(options, step, index, 'the operator aborted at the prompt', 'not-run');
    return { ...report, error: { code: thrown.code, message: thrown.message } };
  }
  await incident.audit.append('step.started', 'started', { step: index, kind: step.kind, plan: line });
  await incident.journal.set(index, 'running');
  const progress = await output.start(`${index}. ${step.kind}: ${line}`);
  let result: StepResult;
  try {
    result = (await options.checkWorld?.(step, index)) ?? (await definition.run(step.params, ctx));
  } catch (thrown) {
    const report = await recordFailure(options, step, index, thrown);
    progress.fail(`${index}. ${step.kind} failed: ${report.error!.message}`);
    return report;
  }
  await incident.audit.append('step.finished', 'succeeded', {
    step: index, kind: step.kind, summary: result.summary, warnings: result.warnings ?? [],
    ...(result.followUps ? { followUps: result.followUps } : {}), ...result.details,
  });
  await incident.journal.set(index, 'done', undefined, result.summary);
  progress.succeed(`${index}. ${step.kind}: ${result.summary}`);
  return {
    index, kind: step.kind, outcome: 'succeeded', summary: result.summary, warnings: result.warnings,
    followUps: result.followUps,
  };
}

async function recordFailure(options: RunStepsOptions, step: Step, index: number, thrown: unknown): Promise<StepReport> {
  const error = reportedErrorOf(thrown);
  if (isDiskFull(thrown)) await options.ctx.diskReserve?.release();
  const followUps = definitionOf(step).failedFollowUps?.(step.params, options.ctx) ?? [];
  await options.incident.audit.append('step.failed', 'failed', {
    step: index, kind: step.kind, error, ...(followUps.length > 0 ? { followUps } : {}),
  });
  await options.incident.journal.set(index, 'failed', { code: error.code, message: error.message });
  return {
    index, kind: step.kind, outcome: 'failed', summary: 'failed', error,
    ...(followUps.length > 0 ? { followUps } : {}),
  };
}

async function recordSkip(
  options: RunStepsOptions, step: Step, index: number, reason: string, outcome: 'skipped' | 'not-run',
): Promise<StepReport> {
  // Skipped is the operator's choice, never run again; not run (abort, Ctrl-C) is left for ir resume.
  const [event, recorded] = outcome === 'skipped' ? ['step.skipped', 'skipped'] as const : ['step.not-run', 'info'] as const;
  await options.incident.audit.append(event, recorded, { step: index, kind: step.kind, reason });
  await options.incident.journal.set(index, outcome);
  options.output.progress(`- ${index}. ${step.kind}: not run (${reason})`);
  return { index, kind: step.kind, outcome, summary: `not run: ${reason}` };
}
