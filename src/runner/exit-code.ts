import { ExitCode } from '../errors.js';
import type { IncidentOutcome, StepReport } from './summary.js';

/** The steps that cut the container off; a run where one failed has not contained it. */
const CONTAINING_KINDS = new Set(['isolate', 'terminate']);

/** Partly: isolate or terminate failed while other steps got done. */
export function isPartlyContained(reports: StepReport[]): boolean {
  const failed = reports.some((r) => CONTAINING_KINDS.has(r.kind) && r.outcome === 'failed');
  return failed && reports.some((r) => r.outcome === 'succeeded');
}

/** An incident's exit code: 130 aborted, 6 partly contained, 1 a step failed, 0 done. */
export function exitCodeFor(outcome: IncidentOutcome, reports: StepReport[]): number {
  if (outcome === 'aborted') return ExitCode.aborted;
  if (outcome === 'succeeded') return ExitCode.ok;
  return isPartlyContained(reports) ? ExitCode.partlyContained : ExitCode.stepFailed;
}
