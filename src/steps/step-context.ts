import type Docker from 'dockerode';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import type { DiskReserve } from '../evidence/disk-reserve.js';
import type { EvidenceBundle } from '../evidence/evidence-bundle.js';
import type { Redactor } from '../redactor.js';
import type { Journal } from '../runner/journal.js';
import type { SecretsApi } from '../secrets/secrets-api.js';

/** What every step may use; each step reads only the parts it needs. */
export interface StepContext {
  incidentId: string;
  incidentDir: string;
  /** evidence/<container name>/ inside the incident directory. */
  evidenceDir: string;
  docker: Docker;
  container: TargetContainer;
  audit: AuditTrail;
  bundle: EvidenceBundle;
  redactor: Redactor;
  /** Created on first use, so runbooks without AWS steps never touch AWS. */
  secrets(): Promise<SecretsApi>;
  /** The operator-supplied new secret value (file or masked prompt). */
  suppliedSecret(secretId: string): Promise<string>;
  /** Set when the operator overrode the evidence-first rule, with why. */
  forceTerminateReason?: string;
  /** Keeps in the journal what a resumed run needs to continue this step (networks, tokens). */
  remember?(data: Record<string, unknown>): Promise<void>;
  /** What an interrupted attempt of the running step remembered, when `ir resume` retries it. */
  recall?(): Record<string, unknown> | undefined;
  /** Released on a full evidence disk, so the failure can still be recorded. */
  diskReserve?: DiskReserve;
  /** Set by isolate's stop-after-capture fallback: capture stops the container once it is done. */
  pendingStop?: { networkMode: string };
  /** Where a rotation writes its token before using it. */
  journal: Pick<Journal, 'recordRotation'>;
  /** The container variables the runbook's rotate-secret steps cover (their `env`). */
  rotatedEnv: string[];
  /** `--clear-stale-pending`: clear a half-done rotation's AWSPENDING label and go on. */
  clearStalePending?: boolean;
}

/** What a finished step reports: one line for people, details for the record. */
export interface StepResult {
  summary: string;
  details: Record<string, unknown>;
  /** Things the operator must know though the step succeeded (evidence gaps). */
  warnings?: string[];
  /** What is left for a person to do (revoke the old key, redeploy consumers); in the end summary. */
  followUps?: string[];
}

/** A step kind: a read-only plan line, and a run that checks it took effect. */
export interface StepDefinition<P> {
  describe(params: P, ctx: Pick<StepContext, 'container'>): string;
  /** Asks the operator what the step needs, before any spinner starts. */
  prepare?(params: P, ctx: StepContext): Promise<void>;
  run(params: P, ctx: StepContext): Promise<StepResult>;
  /** What is left for a person when the step failed, for the end summary. */
  failedFollowUps?(params: P, ctx: Pick<StepContext, 'incidentDir'>): string[];
}
