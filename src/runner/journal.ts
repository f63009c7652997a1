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

  write(): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify({ ...this.head, steps: this.steps }, null, 2)}\n`);
  }
}
