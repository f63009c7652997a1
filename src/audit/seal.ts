import type { EvidenceBundle } from '../evidence/evidence-bundle.js';
import type { Manifest } from '../evidence/manifest.js';
import type { AuditTrail } from './audit-trail.js';
import { writeSignature, type SigningKey } from './sign.js';

/** manifest.json's `auditSeal`: the trail's length with the seal and the seal record's hash. */
export interface AuditSeal {
  /** Records in audit.jsonl, the seal included (the seal's own sequence number). */
  records: number;
  /** The seal record's hash; through the chain it covers every record. */
  hash: string;
  /** Fingerprint of the key that signed the seal in audit.sig, when one did. */
  signedBy?: string;
}

/** Writes manifest.json and SHA256SUMS and records the manifest's hash in the trail, so the trail commits to it. */
export async function sealEvidence(
  bundle: EvidenceBundle, audit: AuditTrail, now?: Date,
): Promise<{ manifest: Manifest; sha256: string }> {
  const sealed = await bundle.seal(now);
  await audit.append('evidence.sealed', 'info', { manifestSha256: sealed.sha256, files: sealed.manifest.items.length });
  return sealed;
}

/**
 * Closes an incident's trail and ties it to the evidence, in this order:
 *
 * 1. the caller has written manifest.json and recorded its SHA-256 in
 *    `evidence.sealed`, so the trail commits to the evidence;
 * 2. the `audit.sealed` record goes last into audit.jsonl;
 * 3. with a key, audit.sig signs the seal record's hash;
 * 4. manifest.json is rewritten with `auditSeal` added as its last field, so
 *    the evidence commits to the trail. SHA256SUMS does not list manifest.json
 *    and stays as it is.
 *
 * The manifest cannot carry the seal when first written (the seal follows the
 * record of the manifest's hash), hence the rewrite: `ir audit verify` drops
 * `auditSeal` to recompute the hash `evidence.sealed` recorded. A crash between
 * 2 and 4 leaves a sealed trail whose manifest lacks the seal, which verify
 * reports as a mismatch rather than hiding.
 */
export async function sealIncident(audit: AuditTrail, bundle: EvidenceBundle, key?: SigningKey): Promise<AuditSeal> {
  const record = await audit.seal();
  await audit.close();
  const seal: AuditSeal = { records: record.seq, hash: record.hash };
  if (key) {
    const signed = { purpose: 'ir audit seal' as const, incident: record.incident, records: record.seq, hash: record.hash };
    seal.signedBy = await writeSignature(bundle.incidentDir, signed, key);
  }
  await bundle.attachAuditSeal(seal);
  return seal;
}
