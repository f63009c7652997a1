import { ExitCode, IrError, messageOf } from '../errors.js';
import { buildPlan } from '../plan/build-plan.js';
import { formatPlan } from '../plan/format-plan.js';
import { planIsClear, type Plan } from '../plan/plan-types.js';
import { recordPlan } from '../plan/record-plan.js';
import { Redactor } from '../redactor.js';
import { selectRunbook, type RunbookSelection } from '../runbook/select-runbook.js';
import { currentActor } from '../runner/actor.js';
import { newIncidentId } from '../runner/incident-id.js';
import { redactingSecretsApi } from '../secrets/redacting-secrets-api.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import { Output } from '../ui/output.js';

/** Options of `ir plan`, and of `ir contain --dry-run`, which is the same. */
export interface PlanOptions extends RunbookSelection {
  json: boolean;
  /** Parent of incident directories: the plan is recorded in its plans/ folder. */
  evidenceDir: string;
  operator?: string;
}

export interface PlanIo {
  secrets?: () => SecretsApi;
}

/** A plan must not hang on an AWS endpoint that does not answer. */
const AWS_TIMEOUTS = { connectionMs: 5_000, requestMs: 10_000 };

/** `ir plan`: inspect read-only, record that a plan was made, print it; 0 when nothing is amiss. */
export async function planCommand(options: PlanOptions, io: PlanIo = {}): Promise<number> {
  const redactor = new Redactor();
  const output = new Output(redactor, { json: options.json, fancy: false });
  const runbook = await selectRunbook(options);
  const built = await buildPlan({
    runbook, redactor, evidenceDir: options.evidenceDir,
    secrets: async () => redactingSecretsApi(await openSecrets(io), redactor),
  });
  const id = newIncidentId(built.target.name, new Date()).replace(/^IR-/, 'PLAN-');
  const plan: Plan = { plan: id, ...built };
  // A plan that cannot be recorded is still shown: the operator needs it either way.
  const recorded = await recordPlan(plan, options.evidenceDir, currentActor(options.operator), redactor)
    .then(() => undefined, (error: unknown) => {
      plan.record = undefined;
      return error;
    });

  if (options.json) output.json(plan);
  else for (const line of [...formatPlan(plan), ...closingLines(plan)]) output.result(line);
  if (recorded) throw notRecorded(options.evidenceDir, recorded);
  return planIsClear(plan) ? ExitCode.ok : ExitCode.precondition;
}

function notRecorded(evidenceDir: string, error: unknown): IrError {
  const code = (error as NodeJS.ErrnoException).code ?? messageOf(error);
  return new IrError(`the plan above was not recorded: cannot write under ${evidenceDir} (${code})`, {
    code: 'PLAN_NOT_RECORDED',
    source: 'environment',
    hint: 'pass --evidence-dir a writable directory, so the audit trail shows the plan was made',
    cause: error,
  });
}

async function openSecrets(io: PlanIo): Promise<SecretsApi> {
  if (io.secrets) return io.secrets();
  const { createSecretsApi } = await import('../secrets/secrets-api.js');
  return createSecretsApi({ maxAttempts: 2, timeouts: AWS_TIMEOUTS });
}

function closingLines(plan: Plan): string[] {
  const blocked = plan.steps.filter((step) => step.problems.length > 0).map((step) => step.index);
  return [
    blocked.length > 0
      ? `${blocked.length} step(s) would not run as planned: ${blocked.join(', ')} (see ✖ above)`
      : 'Every step can run as planned.',
    plan.record
      ? `Nothing was changed. Plan recorded in ${plan.record} (plan.json, sealed audit.jsonl)`
      : 'Nothing was changed.',
  ];
}
