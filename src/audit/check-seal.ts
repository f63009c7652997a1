/**
 * The checks on a trail whose records all chain: is it sealed, does the seal
 * say what the trail holds, and do the trail and manifest.json name each other.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../evidence/incident-files.js';
import { manifestSha256 } from '../evidence/manifest.js';
import { RESUMED_EVENT, SEAL_EVENT } from './audit-trail.js';
import type { AuditRecord } from './chain.js';
import type { TrailProblem } from './find-break.js';

/** manifest.json as parsed, if there is one. */
export type RawManifest = { value: Record<string, unknown> } | { value: undefined; error: string } | undefined;

export async function readRawManifest(dir: string): Promise<RawManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const code = (error as NodeJS.ErrnoException).code;
    return { value: undefined, error: `cannot read ${MANIFEST_FILE}: ${code}` };
  }
  try {
    const value: unknown = JSON.parse(text);
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (isObject) return { value: value as Record<string, unknown> };
  } catch {
    // Reported below as not JSON.
  }
  return { value: undefined, error: `${MANIFEST_FILE} is not a JSON object` };
}

/**
 * The seal record, if the trail ends in one; a problem if anything follows a
 * seal. The one exception is a seal followed at once by `incident.resumed`:
 * `ir resume` reopened the trail to finish failed steps, and only the last
 * seal closes it (until then the trail is unsealed).
 */
export function findSeal(records: AuditRecord[], cutTail: boolean): { seal?: AuditRecord; problem?: TrailProblem } {
  const seals = records.flatMap((record, at) => (record.event === SEAL_EVENT ? [at] : []));
  for (const at of seals) {
    const seal = records[at]!;
    const after = records[at + 1];
    if (after && after.event !== RESUMED_EVENT) {
      const reason = `record ${after.seq} comes after the seal (record ${seal.seq}): ` +
        'appended once the trail was closed';
      return { problem: { seq: after.seq, kind: 'after-seal', reason } };
    }
    if (!after && cutTail) {
      const reason = `a partial line follows the seal (record ${seal.seq})`;
      return { problem: { seq: seal.seq + 1, kind: 'after-seal', reason } };
    }
  }
  const last = seals.at(-1);
  return last !== undefined && last === records.length - 1 ? { seal: records[last]! } : {};
}

/** The seal must describe the records before it; manifest.json must carry it and be the manifest the trail recorded. */
export function checkSealedManifest(records: AuditRecord[], seal: AuditRecord, manifest: RawManifest): TrailProblem | undefined {
  const fail = (kind: TrailProblem['kind'], reason: string): TrailProblem => ({ seq: seal.seq, kind, reason });
  const { records: count, finalHash } = seal.details as { records?: unknown; finalHash?: unknown };
  if (count !== seal.seq - 1 || finalHash !== seal.prev) {
    return fail('seal', `the seal says ${String(count)} records ending in ${short(finalHash)}, ` +
      `but ${seal.seq - 1} records end in ${short(seal.prev)}`);
  }
  if (!manifest) return fail('manifest', `${MANIFEST_FILE} is missing: the seal cannot be matched to the evidence`);
  if (!manifest.value) return fail('manifest', manifest.error);
  const stated = manifest.value.auditSeal as { records?: unknown; hash?: unknown } | undefined;
  if (!stated) {
    return fail('seal', `${MANIFEST_FILE} does not carry the seal ` +
      '(replaced, or ir stopped between sealing the trail and rewriting the manifest)');
  }
  if (stated.records !== seal.seq || stated.hash !== seal.hash || manifest.value.incident !== seal.incident) {
    return fail('seal', `the seal does not match ${MANIFEST_FILE}: it says ${String(stated.records)} records, ` +
      `hash ${short(stated.hash)}; the trail's seal is record ${seal.seq}, hash ${short(seal.hash)}`);
  }
  return manifestChanged(records, manifest.value);
}

/**
 * A trail without a seal: an incident that stopped mid-run, unless
 * manifest.json says the trail was sealed, in which case its end was cut off.
 * Returns the problem, or notes for an intact unsealed trail.
 */
export function checkUnsealed(records: AuditRecord[], manifest: RawManifest): { problem?: TrailProblem; notes: string[] } {
  const stated = manifest?.value?.auditSeal as { records?: unknown; hash?: unknown } | undefined;
  // A trail reopened by ir resume: the manifest still names the seal before the reopening.
  const reopened = stated && records.some((record) => record.event === SEAL_EVENT &&
    record.seq === stated.records && record.hash === stated.hash);
  if (stated && !reopened) {
    const reason = `the trail ends after record ${records.length} with no seal, ` +
      `but ${MANIFEST_FILE} says it was sealed with ${String(stated.records)} records (truncated)`;
    return { problem: { seq: records.length + 1, kind: 'truncated', reason }, notes: [] };
  }
  // Nothing vouches for a manifest the trail did not record: cutting a trail back to "unsealed" must not
  // launder an edited manifest. (A crash in the instant between writing it and recording it looks the same.)
  if (!manifest?.value) return { notes: [] };
  const changed = manifestChanged(records, manifest.value) ?? unrecorded(records);
  if (!changed) return { notes: [] };
  return { problem: { ...changed, reason: `${changed.reason} (or ir died between writing it and recording it)` }, notes: [] };
}

/** A manifest with no `evidence.sealed` record at all in the trail. */
function unrecorded(records: AuditRecord[]): TrailProblem | undefined {
  if (records.some((record) => record.event === 'evidence.sealed')) return undefined;
  return { seq: records.length, kind: 'manifest', reason: `no record in the trail vouches for ${MANIFEST_FILE}` };
}

/** manifest.json without its `auditSeal` must hash to what the last `evidence.sealed` record says. */
function manifestChanged(records: AuditRecord[], manifest: Record<string, unknown>): TrailProblem | undefined {
  const sealedAt = [...records].reverse().find((record) => record.event === 'evidence.sealed');
  if (!sealedAt) return undefined;
  const { auditSeal: _seal, ...body } = manifest;
  const sha256 = manifestSha256(body);
  const recorded = sealedAt.details.manifestSha256;
  if (sha256 === recorded) return undefined;
  const reason = `${MANIFEST_FILE} is not the manifest record ${sealedAt.seq} sealed: ` +
    `its SHA-256 was ${short(recorded)}, now ${short(sha256)}`;
  return { seq: sealedAt.seq, kind: 'manifest', reason };
}

function short(hash: unknown): string {
  return typeof hash === 'string' ? `${hash.slice(0, 12)}…` : String(hash);
}
