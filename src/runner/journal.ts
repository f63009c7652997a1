import { writeFileAtomic } from '../evidence/write-atomic.js';
import type { Redactor } from '../redactor.js';
import type { StepKind } from '../runbook/schema.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'not-run';

export interface JournalStep {
  index: number;
  kind: StepKind;
  state: StepState;
  startedAt?: string;
  finishedAt?: string;
  error?: { code: string; message: string };
}

/** journal.json: each step's state, rewritten whole and atomically at every change. */
export class Journal {
  private readonly steps: JournalStep[];
  /** Per secret, what a rotation needs to be resumed (its idempotency token): ids, never values. */
  private readonly rotations: Record<string, Record<string, unknown>> = {};

  constructor(
    private readonly path: string,
    private readonly redactor: Redactor,
    private readonly head: { incident: string; runbook: { file: string; sha256: string } },
    kinds: StepKind[],
  ) {
    this.steps = kinds.map((kind, index) => ({ index: index + 1, kind, state: 'pending' }));
  }

  async set(index: number, state: StepState, error?: JournalStep['error']): Promise<void> {
    const step = this.steps[index - 1]!;
    const now = new Date().toISOString();
    step.state = state;
    if (state === 'running') step.startedAt = now;
    else if (state !== 'pending') step.finishedAt = now;
    if (error) step.error = this.redactor.redactValue(error);
    await this.write();
  }

  /** Writes a rotation's token before the call that uses it, so a resumed run finds and reuses it. */
  async recordRotation(secretId: string, facts: Record<string, unknown>): Promise<void> {
    this.rotations[secretId] = this.redactor.redactValue(facts);
    await this.write();
  }

  write(): Promise<void> {
    const rotations = Object.keys(this.rotations).length > 0 ? { rotations: this.rotations } : {};
    const journal = { ...this.head, steps: this.steps, ...rotations };
    return writeFileAtomic(this.path, `${JSON.stringify(journal, null, 2)}\n`);
  }
}
