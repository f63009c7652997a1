/**
 * The context every step of an incident gets, for `ir contain` and `ir
 * resume` alike: the clients, the incident's trail, bundle and journal.
 */
import type Docker from 'dockerode';
import type { AuditTrail } from '../audit/audit-trail.js';
import { auditedSecretsApi, recordAwsIdentity } from '../audit/aws-records.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import type { Redactor } from '../redactor.js';
import { redactingSecretsApi } from '../secrets/redacting-secrets-api.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import type { StepContext } from '../steps/step-context.js';
import type { Incident } from './create-incident.js';

export interface IncidentContextOptions {
  docker: Docker;
  container: TargetContainer;
  redactor: Redactor;
  /** Stands in for the real Secrets Manager client (tests). */
  secrets?: () => SecretsApi;
  suppliedSecret(secretId: string): Promise<string>;
  forceTerminateReason?: string;
  /** Container variables the runbook's rotate-secret steps cover. */
  rotatedEnv: string[];
  clearStalePending?: boolean;
}

export function incidentContext(incident: Incident, options: IncidentContextOptions): StepContext {
  const { redactor } = options;
  let secrets: Promise<SecretsApi> | undefined;
  return {
    incidentId: incident.id, incidentDir: incident.dir, evidenceDir: incident.evidenceDir,
    docker: options.docker, container: options.container, audit: incident.audit, bundle: incident.bundle, redactor,
    forceTerminateReason: options.forceTerminateReason, diskReserve: incident.reserve,
    secrets: () => (secrets ??= openSecrets(options.secrets, redactor, incident.audit)),
    suppliedSecret: options.suppliedSecret,
    remember: (data) => incident.journal.rememberRunning(data),
    recall: () => incident.journal.recallRunning(),
    journal: incident.journal, rotatedEnv: options.rotatedEnv, clearStalePending: options.clearStalePending,
  };
}

/**
 * The AWS SDK loads only when a step needs it: nothing slows isolation down.
 * Opened once per incident, which is when the AWS identity is recorded.
 */
async function openSecrets(
  override: (() => SecretsApi) | undefined, redactor: Redactor, audit: AuditTrail,
): Promise<SecretsApi> {
  const create = override ?? (await import('../secrets/secrets-api.js')).createSecretsApi;
  const api = auditedSecretsApi(redactingSecretsApi(create(), redactor), audit);
  await recordAwsIdentity(api, audit);
  return api;
}
