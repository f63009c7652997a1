import { loadSigningKey } from '../audit/sign.js';
import { Redactor } from '../redactor.js';
import { openResumable, unfinishedSteps } from '../runner/open-resumable.js';
import { resumeIncident } from '../runner/resume.js';
import { Output, wantsFancyOutput } from '../ui/output.js';
import { checkMode, nonEmpty, readSuppliedSecret, type ContainIo } from './contain.js';

/** Options of `ir resume`, as the CLI parsed them. */
export interface ResumeOptions {
  /** An incident id under `evidenceDir`, or an incident directory. */
  incident: string;
  evidenceDir: string;
  yes: boolean;
  json: boolean;
  secretValueFile?: string;
  operator?: string;
  signingKeyFile?: string;
}

/** `ir resume`: check the incident may be continued, then run its unfinished steps. Returns the exit code. */
export async function resume(options: ResumeOptions, io: ContainIo): Promise<number> {
  const redactor = new Redactor();
  const output = new Output(redactor, { json: options.json, fancy: wantsFancyOutput() && !options.json });
  const found = await openResumable({ ...options, redactor });
  const prompter = await checkMode(options, io);
  const operator = nonEmpty(options.operator, '--operator');
  const signingKey = options.signingKeyFile ? await loadSigningKey(options.signingKeyFile) : undefined;
  const left = unfinishedSteps(found.journal).map((step) => found.journal.plan.steps[step.index - 1]!);
  const suppliedSecret = await readSuppliedSecret(options, { steps: left }, prompter, redactor);
  output.progress(`Resuming ${found.journal.incident} in ${found.dir}`);
  return resumeIncident({
    redactor, output, prompter, json: options.json, operator, signingKey, suppliedSecret, secrets: io.secrets,
  }, found);
}
