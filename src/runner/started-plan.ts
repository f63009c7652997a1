import { isDeepStrictEqual } from 'node:util';
import { describeDockerHost } from '../docker/connect-docker.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import { IrError } from '../errors.js';
import type { Runbook } from '../runbook/schema.js';
import type { StartedPlan } from './journal.js';

/** What the operator chose for the run beside the runbook, kept so a resume runs the same way. */
export interface PlanChoices {
  selectedKinds?: string[];
  forceTerminateReason?: string;
  operator?: string;
  signingKey?: string;
}

/** The plan as the incident starts: the parsed runbook, the container and the engine (`GET /info`) it is on. */
export function startPlan(
  info: { ID?: unknown }, runbook: Runbook, container: TargetContainer, choices: PlanChoices,
): StartedPlan {
  return {
    runbook: { name: runbook.name, file: runbook.file, sha256: runbook.sha256 },
    target: runbook.target,
    ...(choices.selectedKinds ? { selectedKinds: choices.selectedKinds } : {}),
    steps: runbook.steps,
    container: { id: container.id, name: container.name, image: container.image },
    engineId: String(info.ID ?? ''),
    dockerHost: describeDockerHost(),
    ...(choices.forceTerminateReason ? { forceTerminateReason: choices.forceTerminateReason } : {}),
    ...(choices.operator ? { operator: choices.operator } : {}),
    ...(choices.signingKey ? { signingKey: choices.signingKey } : {}),
  };
}

/**
 * Refuses to resume when the runbook file no longer says what the incident
 * started with, naming the first step that differs. `reloaded` is the file
 * as it reads now, with the same `--steps` selection applied, or the reason
 * it cannot be read. A change outside the steps (a description) does not
 * stop a resume: the steps, and the container in the plan, are what run.
 */
export function checkPlanUnchanged(plan: StartedPlan, reloaded: Runbook | Error): void {
  const file = plan.runbook.file;
  if (reloaded instanceof Error) throw changed(`the runbook ${file} can no longer be loaded (${reloaded.message})`);
  if (reloaded.sha256 === plan.runbook.sha256) return;
  const count = Math.max(plan.steps.length, reloaded.steps.length);
  for (let i = 0; i < count; i += 1) {
    const before = plan.steps[i];
    const now = reloaded.steps[i];
    if (isDeepStrictEqual(before, now)) continue;
    const was = before ? before.kind : 'no step';
    const is = now ? now.kind : 'no step';
    throw changed(`step ${i + 1} of ${file} changed since the incident began (was ${was}, now ${is}` +
      `${before && now && before.kind === now.kind ? ' with other parameters' : ''})`);
  }
}

function changed(message: string): IrError {
  return new IrError(`cannot resume: ${message}`, {
    code: 'RUNBOOK_CHANGED',
    source: 'input',
    hint: 'put the runbook back as it was (the journal holds the plan the incident started with), ' +
      'or start a new incident with ir contain',
  });
}
