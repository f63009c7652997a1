import type { AuditSeal } from '../audit/seal.js';
import type { StepKind } from '../runbook/schema.js';

export type StepOutcome = 'succeeded' | 'failed' | 'skipped' | 'not-run';
export type IncidentOutcome = 'succeeded' | 'failed' | 'aborted';

export interface StepReport {
  index: number;
  kind: StepKind;
  outcome: StepOutcome;
  summary: string;
  warnings?: string[];
  /** What is left for a person to do once `ir` is done. */
  followUps?: string[];
  error?: { code: string; message: string; hint?: string };
}

/** What `--json` prints and the human summary is drawn from. */
export interface IncidentSummary {
  incident: string;
  directory: string;
  target: { container: string; id: string };
  outcome: IncidentOutcome;
  /** Isolate or terminate failed while other steps ran (exit code 6). */
  partlyContained: boolean;
  steps: StepReport[];
  evidence: {
    manifest?: string;
    /** Whether a capture step finished in this incident. */
    captured: boolean;
    complete: boolean;
    missing: { what: string; reason: string }[];
    partial: string[];
  };
  /** What is left for a person, from this run's steps and from those done before a resume. */
  remaining?: string[];
  /** The audit trail's seal, also written into manifest.json. */
  auditSeal?: AuditSeal;
}

const MARK: Record<StepOutcome, string> = { succeeded: '✔', failed: '✖', skipped: '-', 'not-run': ' ' };

function evidenceState({ evidence }: IncidentSummary): string {
  if (evidence.complete) return 'complete';
  if (!evidence.captured && evidence.partial.length === 0 && evidence.missing.length === 0) {
    return 'no capture finished in this incident';
  }
  return 'INCOMPLETE: see "missing" and "partial" in manifest.json';
}

function signedBy(seal: AuditSeal): string {
  return seal.signedBy ? `, signed by ${seal.signedBy}` : '';
}

/** The human summary, one line a step, then where the evidence is. */
export function formatSummary(summary: IncidentSummary): string[] {
  const partly = summary.partlyContained
    ? ', PARTLY CONTAINED: isolate or terminate did not complete' : '';
  const head = `Incident ${summary.incident} (${summary.target.container}): ${summary.outcome}`;
  const lines = [`${head}${partly}`];
  for (const step of summary.steps) {
    const what = step.error ? `${step.error.message}` : step.summary;
    lines.push(`  ${MARK[step.outcome]} ${step.index}. ${step.kind.padEnd(13)} ${step.outcome.padEnd(9)} ${what}`);
    if (step.error?.hint) lines.push(`      hint: ${step.error.hint}`);
    for (const warning of step.warnings ?? []) lines.push(`      warning: ${warning}`);
  }
  const remaining = summary.remaining ?? remainingWork(summary.steps);
  if (remaining.length > 0) lines.push('Still to do by hand:', ...remaining.map((item) => `  - ${item}`));
  if (summary.evidence.manifest) lines.push(`Evidence: ${summary.evidence.manifest} (${evidenceState(summary)})`);
  if (summary.auditSeal) lines.push(`Audit trail: sealed after ${summary.auditSeal.records} records${signedBy(summary.auditSeal)}`);
  lines.push(`Incident directory: ${summary.directory}`);
  return lines;
}

/** Every step's follow-ups, once each, in step order, after those an earlier run left. */
export function remainingWork(steps: StepReport[], earlier: string[] = []): string[] {
  return [...new Set([...earlier, ...steps.flatMap((step) => step.followUps ?? [])])];
}
