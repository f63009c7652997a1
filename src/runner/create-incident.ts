import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AuditTrail } from '../audit/audit-trail.js';
import type { Actor } from '../audit/chain.js';
import type { TargetContainer } from '../docker/resolve-container.js';
import { IrError } from '../errors.js';
import { DiskReserve, isDiskFull, RESERVE_BYTES } from '../evidence/disk-reserve.js';
import { EvidenceBundle } from '../evidence/evidence-bundle.js';
import { DIR_MODE, makePrivateDir } from '../evidence/hashed-file.js';
import type { Redactor } from '../redactor.js';
import { IR_VERSION } from '../version.js';
import { Journal, JOURNAL_FILE, type StartedPlan } from './journal.js';

export interface Incident {
  id: string;
  dir: string;
  evidenceDir: string;
  audit: AuditTrail;
  bundle: EvidenceBundle;
  journal: Journal;
  /** Room held back for the record of a full evidence disk. */
  reserve: DiskReserve;
}

export interface CreateIncidentOptions {
  id: string;
  /** Parent directory of incident directories. */
  parentDir: string;
  /** The plan as started: goes into journal.json for `ir resume`. */
  plan: StartedPlan;
  container: TargetContainer;
  actor: Actor;
  redactor: Redactor;
}

/** Makes the owner-only incident directory with its audit trail, journal and evidence bundle. */
export async function createIncident(options: CreateIncidentOptions): Promise<Incident> {
  const { id, plan, container, redactor } = options;
  // An operator name typed with a secret in it must not carry it into every record.
  const actor = redactor.redactValue(options.actor);
  const parent = resolve(options.parentDir);
  const dir = join(parent, id);
  await makeIncidentDir(parent, dir);
  const reserve = await createReserve(dir).catch(async (error: unknown) => {
    // Refused before anything was touched: no empty incident is left behind on the full disk.
    await rm(dir, { recursive: true, force: true });
    throw error;
  });

  const evidenceDir = join(dir, 'evidence', container.name);
  await makePrivateDir(evidenceDir);
  const audit = await AuditTrail.create(join(dir, 'audit.jsonl'), { incident: id, actor, target: container.name }, redactor);
  const bundle = newBundle(dir, id, container, actor, redactor);
  const journal = Journal.create(join(dir, JOURNAL_FILE), redactor, id, plan);
  await journal.write();
  return { id, dir, evidenceDir, audit, bundle, journal, reserve };
}

/** An empty bundle for the incident; `ir resume` restores what was sealed into one. */
export function newBundle(
  dir: string, id: string, container: Pick<TargetContainer, 'id' | 'name' | 'image' | 'imageId'>, actor: Actor,
  redactor: Redactor,
): EvidenceBundle {
  return new EvidenceBundle(dir, {
    incident: id,
    tool: { name: 'ir', version: IR_VERSION },
    operator: actor,
    target: { container: container.name, id: container.id, image: container.image, imageId: container.imageId },
  }, redactor);
}

/** Room held back so a full disk can still be recorded; refused when not even that is free. */
export async function createReserve(dir: string): Promise<DiskReserve> {
  try {
    return await DiskReserve.create(dir);
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    const kib = RESERVE_BYTES / 1024;
    const message = `the evidence disk is full: not even ${kib} KiB free in ${dir}`;
    throw new IrError(message, {
      code: 'EVIDENCE_DISK_FULL',
      source: 'environment',
      hint: 'free space or pass --evidence-dir a disk with room for the evidence',
      cause: error,
    });
  }
}

async function makeIncidentDir(parent: string, dir: string): Promise<void> {
  try {
    await makePrivateDir(parent);
  } catch (error) {
    throw unusableParent(parent, error);
  }
  try {
    await mkdir(dir, { mode: DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusableParent(parent, error);
    throw new IrError(`incident directory ${dir} already exists`, {
      code: 'INCIDENT_EXISTS',
      source: 'input',
      hint: 'choose another --case id; an incident directory is never reused',
    });
  }
}

function unusableParent(parent: string, error: unknown): IrError {
  return new IrError(`cannot create incident directories in ${parent} (${(error as NodeJS.ErrnoException).code})`, {
    code: 'EVIDENCE_DIR_UNUSABLE',
    source: 'input',
    hint: 'pass --evidence-dir a writable directory (it is created if missing)',
    cause: error,
  });
}
