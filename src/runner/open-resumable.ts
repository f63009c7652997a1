/**
 * Finds an incident to resume and checks it may be: the journal holds the
 * plan it started with, the runbook still says the same, and the audit trail
 * is intact and not yet sealed.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readRawManifest } from '../audit/check-seal.js';
import { verifyTrail } from '../audit/verify-trail.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import { IrError } from '../errors.js';
import { pathExists } from '../evidence/hashed-file.js';
import type { Redactor } from '../redactor.js';
import { loadRunbook } from '../runbook/load-runbook.js';
import type { Runbook } from '../runbook/schema.js';
import { Journal, JOURNAL_FILE, type StartedPlan } from './journal.js';
import { secretEnvNames } from '../runbook/select-runbook.js';
import { checkPlanUnchanged } from './started-plan.js';

export interface ResumableIncident {
  dir: string;
  journal: Journal;
  /** manifest.json as last sealed, if capture or isolate ever sealed one. */
  manifest?: Record<string, unknown>;
  /** The runbook file's SHA-256 now (the same as the plan's unless only its description changed). */
  runbookSha256: string;
  /** The trail was sealed: the incident finished with steps failed or not run, which resume finishes. */
  sealed: boolean;
}

export async function openResumable(options: {
  incident: string; evidenceDir: string; redactor: Redactor;
}): Promise<ResumableIncident> {
  const dir = await locateIncident(options.incident, options.evidenceDir);
  const journal = await Journal.load(join(dir, JOURNAL_FILE), options.redactor);
  const reloaded = await reloadRunbook(journal.plan);
  checkPlanUnchanged(journal.plan, reloaded);
  const sealed = await checkTrail(dir, journal);
  const manifest = (await readRawManifest(dir))?.value;
  const runbookSha256 = reloaded instanceof Error ? journal.plan.runbook.sha256 : reloaded.sha256;
  return { dir, journal, ...(manifest ? { manifest } : {}), runbookSha256, sealed };
}

/** A directory with a journal, or an incident id under the evidence directory. */
async function locateIncident(incident: string, evidenceDir: string): Promise<string> {
  for (const dir of [resolve(incident), resolve(evidenceDir, incident)]) {
    if (await pathExists(join(dir, JOURNAL_FILE))) return dir;
  }
  throw new IrError(`no incident '${incident}': neither it nor ${join(evidenceDir, incident)} has a ${JOURNAL_FILE}`, {
    code: 'INCIDENT_NOT_FOUND',
    source: 'input',
    hint: 'name an incident directory, or an id listed by ir incidents list (with the same --evidence-dir)',
  });
}

/** The runbook as it reads now, with the same `--steps` selection the incident started with. */
async function reloadRunbook(plan: StartedPlan): Promise<Runbook | Error> {
  try {
    const runbook = await loadRunbook(plan.runbook.file);
    const kinds = plan.selectedKinds;
    return kinds ? { ...runbook, steps: runbook.steps.filter((step) => kinds.includes(step.kind)) } : runbook;
  } catch (error) {
    return error as Error;
  }
}

/** The trail must verify; true when it is sealed but steps are left to finish. */
async function checkTrail(dir: string, journal: Journal): Promise<boolean> {
  const report = await verifyTrail(dir);
  if (report.verdict === 'unsealed') return false;
  if (report.verdict === 'valid') {
    if (unfinishedSteps(journal).length > 0) return true;
    throw new IrError(`incident ${report.incident ?? dir} has finished with every step done: nothing to resume`, {
      code: 'INCIDENT_FINISHED',
      source: 'input',
      hint: 'to act again, start a new incident with ir contain',
    });
  }
  throw new IrError(`cannot resume: the audit trail is broken at record ${report.problem?.seq} ` +
    `(${report.problem?.kind}: ${report.problem?.reason})`, {
    code: 'AUDIT_BROKEN',
    source: 'input',
    exitCode: 1,
    hint: 'keep the incident as it is for investigation, and start a new one with ir contain',
  });
}

/** Steps to run again: anything not done and not skipped by the operator. */
export function unfinishedSteps(journal: Journal) {
  return journal.steps.filter((step) => step.state !== 'done' && step.state !== 'skipped');
}

/**
 * The container's environment values are redacted as in the first run. When
 * the container is gone they are read back from the captured inspect.json
 * (the raw evidence keeps them), wherever a capture put one.
 */
export async function redactContainerSecrets(
  redactor: Redactor, container: TargetContainer, dir: string, plan: StartedPlan,
): Promise<void> {
  const names = secretEnvNames(plan);
  redactor.addEnvironment(container.info?.Config.Env, names);
  const evidenceDir = join(dir, 'evidence', plan.container.name);
  if (!(await pathExists(evidenceDir))) return;
  const files = (await readdir(evidenceDir, { recursive: true })).filter((path) => /(^|\/)inspect\.json(\.partial)?$/.test(path));
  for (const file of files) {
    const env = await readFile(join(evidenceDir, file), 'utf8').then(
      (text) => (JSON.parse(text) as { Config?: { Env?: string[] } }).Config?.Env,
      () => undefined,
    );
    redactor.addEnvironment(env, names);
  }
}
