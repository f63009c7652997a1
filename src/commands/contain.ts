import { loadSigningKey } from '../audit/sign.js';
import { ExitCode, IrError } from '../errors.js';
import { Redactor } from '../redactor.js';
import type { Runbook } from '../runbook/schema.js';
import { selectRunbook, type RunbookSelection } from '../runbook/select-runbook.js';
import { checkCaseId } from '../runner/incident-id.js';
import { runIncident } from '../runner/run-incident.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import { Output, wantsFancyOutput } from '../ui/output.js';
import type { Prompter } from '../ui/prompter.js';
import { readSecretFile } from './secret-value-file.js';

/** Options of `ir contain`, as the CLI parsed them. */
export interface ContainOptions extends RunbookSelection {
  yes: boolean;
  json: boolean;
  caseId?: string;
  evidenceDir: string;
  forceTerminate: boolean;
  reason?: string;
  secretValueFile?: string;
  /** Who runs the containment: into every audit record's actor. */
  operator?: string;
  /** The ticket it belongs to: into incident.started. */
  ticket?: string;
  /** Ed25519 private key in PEM that signs the trail's seal. */
  signingKeyFile?: string;
  /** Let a rotation clear a half-done rotation's AWSPENDING label and go on. */
  clearStalePending?: boolean;
}

/** Everything outside ir the command talks to; tests replace parts of it. */
export interface ContainIo {
  interactive: boolean;
  prompter?: Prompter;
  secrets?: () => SecretsApi;
}

/** `ir contain`: validate everything, then open an incident and run its steps. Returns the exit code. */
export async function contain(options: ContainOptions, io: ContainIo): Promise<number> {
  const redactor = new Redactor();
  const output = new Output(redactor, { json: options.json, fancy: wantsFancyOutput() && !options.json });
  if (options.caseId !== undefined) checkCaseId(options.caseId);
  const runbook = await selectRunbook(options);
  const prompter = await checkMode(options, io);
  const forceTerminateReason = checkOverride(options);
  const operator = nonEmpty(options.operator, '--operator');
  const ticket = nonEmpty(options.ticket, '--ticket');
  // A bad key fails here, before anything is touched, not at the seal after containment.
  const signingKey = options.signingKeyFile ? await loadSigningKey(options.signingKeyFile) : undefined;
  const supplied = await readSuppliedSecret(options, runbook, prompter, redactor);

  return runIncident({
    runbook, redactor, output, prompter, forceTerminateReason, suppliedSecret: supplied,
    caseId: options.caseId, evidenceDir: options.evidenceDir, json: options.json, secrets: io.secrets,
    operator, ticket, signingKey, clearStalePending: options.clearStalePending, selectedKinds: options.steps,
  });
}

export function nonEmpty(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (!value.trim()) {
    throw new IrError(`${option} is empty`, {
      code: 'OPTION_EMPTY',
      source: 'input',
      hint: `give ${option} some text, or leave it out`,
    });
  }
  return value.trim();
}

/** Never hang waiting for a person who is not there. */
export async function checkMode(
  options: Pick<ContainOptions, 'yes'>, io: ContainIo,
): Promise<Prompter | undefined> {
  if (options.yes) return undefined;
  if (!io.interactive) {
    throw new IrError('no terminal to ask for confirmation, and --yes was not given', {
      code: 'NO_TERMINAL',
      source: 'input',
      exitCode: ExitCode.noTerminal,
      hint: 'run it in a terminal, or pass --yes to run every step without asking',
    });
  }
  // Loaded only for a person at a terminal.
  return io.prompter ?? (await import('../ui/prompter.js')).createTerminalPrompter();
}

function checkOverride(options: ContainOptions): string | undefined {
  if (!options.forceTerminate && options.reason !== undefined) {
    throw new IrError('--reason goes with --force-terminate, and nothing else uses it', {
      code: 'REASON_WITHOUT_OVERRIDE',
      source: 'input',
      hint: 'add --force-terminate to override the evidence-first rule, or drop --reason',
    });
  }
  if (!options.forceTerminate) return undefined;
  if (!options.reason?.trim()) {
    throw new IrError('--force-terminate needs --reason TEXT', {
      code: 'OVERRIDE_WITHOUT_REASON',
      source: 'input',
      hint: 'say why evidence capture may be skipped, e.g. --reason "container is mining, capture failed twice"',
    });
  }
  return options.reason.trim();
}

/** The operator-supplied value, checked before anything is touched; asked for only when needed. */
export async function readSuppliedSecret(
  options: Pick<ContainOptions, 'secretValueFile'>, runbook: Pick<Runbook, 'steps'>, prompter: Prompter | undefined,
  redactor: Redactor,
): Promise<(secretId: string) => Promise<string>> {
  const needsValue = runbook.steps.some((s) => s.kind === 'rotate-secret' && s.params.strategy === 'supply');
  if (options.secretValueFile && !needsValue) {
    throw new IrError("--secret-value-file was given but no rotate-secret step uses strategy 'supply'", {
      code: 'SECRET_VALUE_UNUSED',
      source: 'input',
      hint: "set strategy: supply on the step, or leave the file out to let the step's strategy choose the value",
    });
  }
  if (options.secretValueFile) {
    const value = await readSecretFile(options.secretValueFile);
    redactor.add(value);
    return async () => value;
  }
  if (needsValue && !prompter) {
    throw new IrError("a rotate-secret step uses strategy 'supply' but no new value was given", {
      code: 'SECRET_VALUE_MISSING',
      source: 'input',
      hint: 'pass --secret-value-file FILE, or run interactively to be asked',
    });
  }
  const asked = new Map<string, string>();
  return async (secretId) => {
    const known = asked.get(secretId);
    if (known !== undefined) return known;
    const value = await prompter!.askSecret(`New value for secret ${secretId} (input hidden)`);
    redactor.add(value);
    asked.set(secretId, value);
    return value;
  };
}
