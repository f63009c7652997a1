/**
 * After a compromise every secret the container could read is burned. Once
 * capture has read the container's environment, any variable whose name looks
 * secret and that no rotate-secret step covers is named (never its value), so
 * nothing burned is forgotten.
 */
import { looksSecret } from '../redactor.js';
import type { StepContext } from './step-context.js';

/** Names of secret-looking variables in a `NAME=value` list that `covered` does not name. */
export function uncoveredSecretNames(env: string[] | undefined, covered: string[]): string[] {
  const names = (env ?? []).map((entry) => entry.slice(0, Math.max(0, entry.indexOf('='))));
  return [...new Set(names.filter((name) => name && looksSecret(name) && !covered.includes(name)))];
}

/** Records the uncovered names in the audit trail; returns the warning and the to-do, if any. */
export async function recordUncoveredSecrets(
  ctx: Pick<StepContext, 'audit' | 'rotatedEnv'>, env: string[] | undefined,
): Promise<{ warnings: string[]; followUps: string[] }> {
  const variables = uncoveredSecretNames(env, ctx.rotatedEnv);
  if (variables.length === 0) return { warnings: [], followUps: [] };
  await ctx.audit.append('secrets.uncovered', 'info', { variables, covered: ctx.rotatedEnv });
  const names = variables.join(', ');
  return {
    warnings: [`the container held ${names}, which look${variables.length === 1 ? 's' : ''} secret and no ` +
      'rotate-secret step names (add one with env: NAME)'],
    followUps: [uncoveredFollowUp(variables)],
  };
}

/** The to-do for uncovered variables; `ir resume` rebuilds it from the audit record. */
export function uncoveredFollowUp(variables: string[]): string {
  const names = variables.join(', ');
  return `rotate ${names}: burned with the container, and not rotated by this runbook`;
}
