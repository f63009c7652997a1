import { dockerMessage, dockerStatus } from '../docker/connect-docker.js';
import { ExitCode, IrError, messageOf } from '../errors.js';
import type { Step } from '../runbook/schema.js';
import { STEP_DEFINITIONS } from '../steps/registry.js';
import type { StepContext, StepResult } from '../steps/step-context.js';
import type { Output } from '../ui/output.js';
import type { Prompter, StepAnswer } from '../ui/prompter.js';
import type { Incident } from './create-incident.js';
import type { IncidentOutcome, StepReport } from './summary.js';

export interface RunStepsOptions {
  steps: Step[];
  incident: Incident;
  ctx: StepContext;
  output: Output;
  /** Absent in scripted mode (--yes): every step runs without asking. */
  prompter?: Prompter;
}

/** Describes a step for the plan and the prompt, without touching anything. */
export function describeStep(step: Step, ctx: Pick<StepContext, 'container'>): string {
  const definition = STEP_DEFINITIONS[step.kind] as { describe(p: unknown, c: typeof ctx): string };
  return definition.describe(step.params, ctx);
}

/**
 * Runs the steps in order. A failed step stops the run: later steps are
 * recorded as not run, so the trail says exactly which steps ran.
 */
export async function runSteps(options: RunStepsOptions): Promise<{ outcome: IncidentOutcome; reports: StepReport[] }> {
  const reports: StepReport[] = [];
  let outcome: IncidentOutcome = 'succeeded';
  for (const [offset, step] of options.steps.entries()) {
    const index = offset + 1;
    if (outcome !== 'succeeded') {
      reports.push(await recordNotRun(options, step, index, outcome));
      continue;
    }
    const answer = await ask(options, step, index);
    if (answer === 'abort') outcome = 'aborted';
    if (answer !== 'run') {
      reports.push(await recordSkipped(options, step, index, answer));
      continue;
    }
    const report = await runOne(options, step, index);
    if (report.outcome === 'failed') outcome = report.error?.code === 'ABORTED' ? 'aborted' : 'failed';
    reports.push(report);
  }
  return { outcome, reports };
}

async function ask(options: RunStepsOptions, step: Step, index: number): Promise<StepAnswer> {
  if (!options.prompter) return 'run';
  const line = describeStep(step, options.ctx);
  const answer = await options.prompter.askStep(`Step ${index} ${step.kind}: ${line}?`);
  await options.incident.audit.append('operator.decision', 'info', { step: index, kind: step.kind, answer });
  return answer;
}

async function runOne(options: RunStepsOptions, step: Step, index: number): Promise<StepReport> {
  const { incident, ctx, output } = options;
  const line = describeStep(step, ctx);
  await incident.audit.append('step.started', 'started', { step: index, kind: step.kind, plan: line });
  await incident.journal.set(index, 'running');
  const progress = await output.start(`${index}. ${step.kind}: ${line}`);
  try {
    const definition = STEP_DEFINITIONS[step.kind] as { run(p: unknown, c: StepContext): Promise<StepResult> };
    const result = await definition.run(step.params, ctx);
    await incident.audit.append('step.finished', 'succeeded', {
      step: index, kind: step.kind, summary: result.summary, warnings: result.warnings ?? [], ...result.details,
    });
    await incident.journal.set(index, 'done');
    progress.succeed(`${index}. ${step.kind}: ${result.summary}`);
    return { index, kind: step.kind, outcome: 'succeeded', summary: result.summary, warnings: result.warnings };
  } catch (thrown) {
    const error = asReportedError(thrown);
    await incident.audit.append('step.failed', 'failed', { step: index, kind: step.kind, error });
    await incident.journal.set(index, 'failed', { code: error.code, message: error.message });
    progress.fail(`${index}. ${step.kind} failed: ${error.message}`);
    return { index, kind: step.kind, outcome: 'failed', summary: 'failed', error };
  }
}

async function recordSkipped(options: RunStepsOptions, step: Step, index: number, answer: StepAnswer) {
  const reason = answer === 'abort' ? 'the operator aborted the incident' : 'the operator chose to skip it';
  return recordSkip(options, step, index, reason, answer === 'abort' ? 'not-run' : 'skipped');
}

async function recordNotRun(options: RunStepsOptions, step: Step, index: number, outcome: IncidentOutcome) {
  const reason = outcome === 'aborted' ? 'the operator aborted the incident' : 'an earlier step failed';
  return recordSkip(options, step, index, reason, 'not-run');
}

async function recordSkip(
  options: RunStepsOptions, step: Step, index: number, reason: string, outcome: 'skipped' | 'not-run',
): Promise<StepReport> {
  await options.incident.audit.append('step.skipped', 'skipped', { step: index, kind: step.kind, reason });
  await options.incident.journal.set(index, 'skipped');
  options.output.progress(`- ${index}. ${step.kind}: not run (${reason})`);
  return { index, kind: step.kind, outcome, summary: `not run: ${reason}` };
}

function asReportedError(thrown: unknown): { code: string; message: string; hint?: string } {
  if (thrown instanceof IrError) return { code: thrown.code, message: thrown.message, hint: thrown.hint };
  if (dockerStatus(thrown) !== undefined) return { code: 'DOCKER_ERROR', message: dockerMessage(thrown) };
  return { code: 'UNEXPECTED', message: messageOf(thrown) };
}

/** The exit code for an incident's outcome. */
export function exitCodeFor(outcome: IncidentOutcome): number {
  if (outcome === 'aborted') return ExitCode.aborted;
  return outcome === 'failed' ? ExitCode.stepFailed : ExitCode.ok;
}
