import { readFile } from 'node:fs/promises';
import { IrError, messageOf } from '../errors.js';
import { writeFileAtomic } from '../evidence/write-atomic.js';
import type { Redactor } from '../redactor.js';
import type { Step, StepKind } from '../runbook/schema.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'not-run';

export const JOURNAL_FILE = 'journal.json';

export interface JournalStep {
  index: number;
  kind: StepKind;
  state: StepState;
  startedAt?: string;
  finishedAt?: string;
  /** How many times the step was started; above 1 after a resume retried it. */
  attempts?: number;
  /** The one-line summary of a step that is done, shown again when the incident is resumed. */
  summary?: string;
  error?: { code: string; message: string };
  /** What a later run needs to continue the step: the networks it was on, the rotation token. */
  resume?: Record<string, unknown>;
}

/**
 * The plan as the incident started, so `ir resume` runs exactly that plan
 * and can tell when the runbook file has changed since.
 */
export interface StartedPlan {
  runbook: { name: string; file: string; sha256: string };
  target: { container: string };
  /** The `--steps` selection, if one was given. */
  selectedKinds?: string[];
  steps: Step[];
  container: { id: string; name: string; image: string };
  /** The engine's id (`docker info`), so a resume cannot act on another engine's container. */
  engineId: string;
  dockerHost: string;
  forceTerminateReason?: string;
  operator?: string;
  signingKey?: string;
}

export interface JournalFile {
  incident: string;
  /** Kept for readers of the first journal format. */
  runbook: { file: string; sha256: string };
  plan?: StartedPlan;
  steps: JournalStep[];
  /** Per secret, what a rotation needs to be resumed (its idempotency token): ids, never values. */
  rotations?: Record<string, Record<string, unknown>>;
}

/** journal.json: each step's state, rewritten whole and atomically at every change. */
export class Journal {
  private constructor(
    private readonly path: string,
    private readonly redactor: Redactor,
    private readonly file: JournalFile,
  ) {}

  static create(path: string, redactor: Redactor, incident: string, plan: StartedPlan): Journal {
    const steps = plan.steps.map(({ kind }, index): JournalStep => ({ index: index + 1, kind, state: 'pending' }));
    const runbook = { file: plan.runbook.file, sha256: plan.runbook.sha256 };
    const file: JournalFile = { incident, runbook, plan, steps };
    return new Journal(path, redactor, redactor.redactValue(file));
  }

  /** Reads journal.json back, for `ir resume`. */
  static async load(path: string, redactor: Redactor): Promise<Journal> {
    let file: JournalFile;
    try {
      file = JSON.parse(await readFile(path, 'utf8')) as JournalFile;
    } catch (error) {
      throw new IrError(`cannot read the journal ${path}: ${messageOf(error)}`, {
        code: 'JOURNAL_UNREADABLE',
        source: 'input',
        hint: 'name an incident directory written by ir contain, as the user who owns it',
      });
    }
    if (!file.plan || !Array.isArray(file.steps)) {
      throw new IrError(`${path} does not hold the plan the incident started with`, {
        code: 'JOURNAL_WITHOUT_PLAN',
        source: 'input',
        hint: 'this incident was written by an older ir and cannot be resumed: start a new one',
      });
    }
    return new Journal(path, redactor, file);
  }

  get incident(): string {
    return this.file.incident;
  }

  get plan(): StartedPlan {
    return this.file.plan!;
  }

  get steps(): readonly JournalStep[] {
    return this.file.steps;
  }

  async set(index: number, state: StepState, error?: JournalStep['error'], summary?: string): Promise<void> {
    const step = this.file.steps[index - 1]!;
    const now = new Date().toISOString();
    step.state = state;
    if (state === 'running') {
      step.startedAt = now;
      step.attempts = (step.attempts ?? 0) + 1;
      delete step.finishedAt;
      delete step.error;
    } else if (state !== 'pending') step.finishedAt = now;
    if (error) step.error = this.redactor.redactValue(error);
    if (summary !== undefined) step.summary = this.redactor.redact(summary);
    await this.write();
  }

  /** What an earlier attempt of the running step kept with `rememberRunning`. */
  recallRunning(): Record<string, unknown> | undefined {
    return this.file.steps.find(({ state }) => state === 'running')?.resume;
  }

  /** Keeps what a later run needs to continue the running step (never a secret value: it is redacted). */
  async rememberRunning(data: Record<string, unknown>): Promise<void> {
    const step = this.file.steps.find(({ state }) => state === 'running');
    if (step) step.resume = { ...step.resume, ...this.redactor.redactValue(data) };
    await this.write();
  }

  /**
   * Writes a rotation's token before the call that uses it, so a resumed run
   * finds and reuses it: per secret, and in the running step's `resume`.
   */
  async recordRotation(secretId: string, facts: Record<string, unknown>): Promise<void> {
    const redacted = this.redactor.redactValue(facts);
    this.file.rotations = { ...this.file.rotations, [secretId]: redacted };
    await this.rememberRunning({ secretId, ...redacted });
  }

  write(): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(this.file, null, 2)}\n`);
  }
}
