import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { IrError } from '../errors.js';
import { compareText } from '../evidence/incident-files.js';
import { readTrailFile } from './read-trail.js';
import { verifyTrail, type TrailVerdict } from './verify-trail.js';

/** One incident as `ir incidents list` shows it. */
export interface IncidentListing {
  id: string;
  directory: string;
  target?: string;
  startedAt?: string;
  /** The outcome incident.finished recorded, or `unfinished`. */
  outcome: string;
  /** What `ir audit verify` would say, without a public key; `unreadable` when the trail cannot be read. */
  trail: TrailVerdict | 'unreadable';
  brokenAt?: number;
}

/** Every incident directory (one with an audit.jsonl) under `parent`, oldest first. */
export async function listIncidents(parent: string): Promise<IncidentListing[]> {
  let names: string[];
  try {
    names = (await readdir(parent, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    throw new IrError(`cannot list incidents in ${parent} (${(error as NodeJS.ErrnoException).code})`, {
      code: 'EVIDENCE_DIR_UNREADABLE',
      source: 'input',
      hint: 'pass --evidence-dir the directory ir contain wrote incidents to (default ./incidents)',
    });
  }
  const found = await Promise.all(names.map((name) => describeIncident(join(parent, name), name)));
  return found
    .filter((listing): listing is IncidentListing => listing !== undefined)
    .sort((a, b) => compareText(a.startedAt ?? '', b.startedAt ?? '') || compareText(a.id, b.id));
}

async function describeIncident(directory: string, name: string): Promise<IncidentListing | undefined> {
  let entries;
  try {
    ({ entries } = await readTrailFile(directory));
  } catch (error) {
    if (error instanceof IrError && error.code === 'NOT_AN_INCIDENT') return undefined;
    return { id: name, directory, outcome: 'unknown', trail: 'unreadable' };
  }
  // A plan's record directory (ir plan) opens with plan.made and has nothing to finish.
  const opening = new Set(['incident.started', 'plan.made']);
  const started = entries.find((record) => opening.has(record?.event ?? ''));
  // A resumed incident finishes again: the last word is the one that counts.
  const finished = [...entries].reverse().find((record) => record?.event === 'incident.finished');
  const planned = started?.event === 'plan.made' ? 'planned' : 'unfinished';
  const container = (started?.details.container as { name?: unknown } | undefined)?.name;
  const report = await verifyTrail(directory).catch(() => undefined);
  return {
    id: started?.incident ?? name,
    directory,
    target: typeof container === 'string' ? container : started?.target,
    startedAt: started?.time,
    outcome: typeof finished?.details.outcome === 'string' ? finished.details.outcome : planned,
    trail: report?.verdict ?? 'unreadable',
    ...(report?.problem ? { brokenAt: report.problem.seq } : {}),
  };
}
