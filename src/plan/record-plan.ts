import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AuditTrail } from '../audit/audit-trail.js';
import type { Actor } from '../audit/chain.js';
import { sealEvidence, sealIncident } from '../audit/seal.js';
import { EvidenceBundle } from '../evidence/evidence-bundle.js';
import { DIR_MODE, makePrivateDir, writeSmallFile } from '../evidence/hashed-file.js';
import type { Redactor } from '../redactor.js';
import { IR_VERSION } from '../version.js';
import type { Plan } from './plan-types.js';

/** Where plans are recorded, under the evidence directory, apart from incidents. */
export const PLANS_DIR = 'plans';

/**
 * Records that a plan was made, as its own small sealed incident directory:
 * plan.json (listed in manifest.json and SHA256SUMS) and an audit trail whose
 * `plan.made` record names the plan, sealed, so `ir audit verify` and
 * `ir evidence verify` check it like any incident. Returns the directory.
 */
export async function recordPlan(
  plan: Plan, evidenceDir: string, actor: Actor, redactor: Redactor,
): Promise<string> {
  const parent = join(resolve(evidenceDir), PLANS_DIR);
  await makePrivateDir(parent);
  const dir = join(parent, plan.plan);
  await mkdir(dir, { mode: DIR_MODE });
  plan.record = dir;

  const context = { incident: plan.plan, actor, target: plan.target.name };
  const audit = await AuditTrail.create(join(dir, 'audit.jsonl'), context, redactor);
  const bundle = new EvidenceBundle(dir, {
    incident: plan.plan,
    tool: { name: 'ir', version: IR_VERSION },
    operator: actor,
    target: { container: plan.target.name, id: plan.target.id, image: plan.target.image },
  }, redactor);
  const startedAt = new Date().toISOString();
  const text = `${JSON.stringify(redactor.redactValue(plan), null, 2)}\n`;
  const file = await writeSmallFile(join(dir, 'plan.json'), text);
  const finishedAt = new Date().toISOString();
  bundle.add({ path: 'plan.json', ...file, startedAt, finishedAt, source: 'ir plan (read-only)' });
  // The one record file is whole: the bundle is complete, as a capture that missed nothing is.
  bundle.markCaptured();
  await audit.append('plan.made', 'info', planRecord(plan, file.sha256));
  await sealEvidence(bundle, audit);
  await sealIncident(audit, bundle);
  return dir;
}

function planRecord(plan: Plan, sha256: string): Record<string, unknown> {
  const { target } = plan;
  return {
    runbook: plan.runbook,
    container: { id: target.id, name: target.name, image: target.image, state: target.state },
    dockerHost: plan.docker.host,
    ...(plan.aws ? { awsEndpoint: plan.aws.endpoint, awsArn: plan.aws.identity?.arn } : {}),
    steps: plan.steps.map((step) => ({
      index: step.index,
      kind: step.kind,
      plan: step.does,
      problems: step.problems.map((p) => p.code),
    })),
    planSha256: sha256,
  };
}
