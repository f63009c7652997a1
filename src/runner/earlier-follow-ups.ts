/**
 * What earlier runs of an incident left for a person to do, read back from
 * its audit trail, so a resumed run's summary and `incident.finished` list
 * every follow-up, not only those of the steps it ran itself.
 */
import type { AuditRecord } from '../audit/chain.js';
import { readTrailFile } from '../audit/read-trail.js';
import { uncoveredFollowUp } from '../steps/uncovered-secrets.js';
import type { JournalStep } from './journal.js';

/** The follow-ups in the trail at `dir`: of steps the journal has done, and uncovered secrets. */
export async function readEarlierFollowUps(
  dir: string, steps: readonly JournalStep[],
): Promise<string[]> {
  const { entries } = await readTrailFile(dir);
  const records = entries.filter((entry): entry is AuditRecord => entry !== undefined);
  return earlierFollowUps(records, steps);
}

/** In trail order, once each: a retried step's own follow-ups come again from its new run. */
export function earlierFollowUps(records: AuditRecord[], steps: readonly JournalStep[]): string[] {
  const done = new Set(steps.filter((step) => step.state === 'done').map((step) => step.index));
  const found = records.flatMap((record) => followUpsOf(record, done));
  return [...new Set(found)];
}

function followUpsOf(record: AuditRecord, done: Set<number>): string[] {
  const { details } = record;
  if (record.event === 'secrets.uncovered') return namesOf(details.variables);
  if (record.event !== 'step.finished' || !done.has(Number(details.step))) return [];
  return Array.isArray(details.followUps) ? details.followUps.map(String) : [];
}

function namesOf(variables: unknown): string[] {
  if (!Array.isArray(variables) || variables.length === 0) return [];
  return [uncoveredFollowUp(variables.map(String))];
}
