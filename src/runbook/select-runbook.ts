import { IrError } from '../errors.js';
import { findRunbook } from './find-runbook.js';
import { loadRunbook } from './load-runbook.js';
import type { Runbook } from './schema.js';
import { suggest } from './suggest.js';

/** How `ir contain` and `ir plan` choose a runbook, its target and its steps. */
export interface RunbookSelection {
  /** A runbook name (runbooks/<name>.yaml) unless `runbookFile` is given. */
  name?: string;
  runbookFile?: string;
  /** Overrides the runbook's target container. */
  target?: string;
  /** Only the runbook's steps of these kinds. */
  steps?: string[];
}

/** Loads and validates the selected runbook, with the target and step choice applied. */
export async function selectRunbook(selection: RunbookSelection): Promise<Runbook> {
  const file = selection.runbookFile ?? (await findRunbook(selection.name ?? ''));
  const loaded = await loadRunbook(file);
  const target = selection.target ? { container: selection.target } : loaded.target;
  const runbook = { ...loaded, target };
  const steps = selection.steps ? selectSteps(runbook, selection.steps) : runbook.steps;
  const selected = { ...runbook, steps };
  checkStopAfterCapture(selected);
  return selected;
}

/** stop-after-capture is a promise capture keeps: a capture step must come after the isolate. */
function checkStopAfterCapture(runbook: Runbook): void {
  runbook.steps.forEach((step, at) => {
    if (step.kind !== 'isolate' || step.params.fallback !== 'stop-after-capture') return;
    if (runbook.steps.slice(at + 1).some((later) => later.kind === 'capture')) return;
    const message = `step ${at + 1} isolate has fallback: stop-after-capture, ` +
      'but no capture step runs after it';
    throw new IrError(message, {
      code: 'RUNBOOK_INVALID',
      source: 'input',
      hint: 'add a capture step after it (or to --steps), or use fallback: pause',
    });
  });
}

function selectSteps(runbook: Runbook, kinds: string[]): Runbook['steps'] {
  if (kinds.length === 0) {
    throw new IrError('--steps names no step', {
      code: 'STEP_NOT_IN_RUNBOOK',
      source: 'input',
      hint: 'give step kinds separated by commas, e.g. --steps rotate-secret',
    });
  }
  for (const kind of kinds) {
    if (!runbook.steps.some((step) => step.kind === kind)) {
      const known = [...new Set(runbook.steps.map((step) => step.kind))];
      const message = `--steps names '${kind}', which is not a step of ${runbook.file}`;
      throw new IrError(`${message}${suggest(kind, known)}`, {
        code: 'STEP_NOT_IN_RUNBOOK',
        source: 'input',
        hint: `the runbook's steps are: ${known.join(', ')}`,
      });
    }
  }
  return runbook.steps.filter((step) => kinds.includes(step.kind));
}

/** Variables the runbook says hold secrets, redacted even if their names do not look secret. */
export function secretEnvNames(runbook: Pick<Runbook, 'steps'>): string[] {
  return runbook.steps.flatMap((step) =>
    (step.kind === 'rotate-secret' && step.params.env ? [step.params.env] : []));
}
