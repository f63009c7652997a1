/**
 * `ir audit verify`: recomputes an incident's audit chain, checks its seal
 * against manifest.json and, given a public key, the seal's signature.
 */
import type { AuditRecord } from './chain.js';
import { checkSealedManifest, checkUnsealed, findSeal, readRawManifest } from './check-seal.js';
import { checkSignature, type SignatureState } from './check-signature.js';
import { findBreak, type TrailProblem } from './find-break.js';
import { readTrailFile } from './read-trail.js';
import type { SigningKey } from './sign.js';

export type { SignatureState } from './check-signature.js';

/** valid: intact and sealed; unsealed: intact but ir stopped before sealing it; broken: anything else. */
export type TrailVerdict = 'valid' | 'unsealed' | 'broken';

export interface TrailReport {
  incident?: string;
  verdict: TrailVerdict;
  /** Records that verify, from the first; when broken, those before the problem. */
  records: number;
  sealed: boolean;
  /** The last line was cut mid-way by a crash; it is not counted. */
  cutTail: boolean;
  /** Hash of the last record that verifies. */
  lastHash?: string;
  problem?: TrailProblem;
  signature: SignatureState;
  notes: string[];
}

type ReportBase = Pick<TrailReport, 'incident' | 'cutTail' | 'signature' | 'notes'>;

/** Verifies the trail in incident directory `dir`. */
export async function verifyTrail(dir: string, options: { publicKey?: SigningKey } = {}): Promise<TrailReport> {
  const { entries, cutTail } = await readTrailFile(dir);
  const { verified, problem } = findBreak(entries);
  const base: ReportBase = {
    incident: verified[0]?.incident ?? entries.find((entry) => entry)?.incident,
    cutTail,
    signature: { state: 'absent' },
    notes: [],
  };
  if (problem) return broken(base, verified, problem);
  const found = findSeal(verified, cutTail);
  if (found.problem) return broken(base, verified, found.problem);
  const manifest = await readRawManifest(dir);
  if (!found.seal) {
    const unsealed = checkUnsealed(verified, manifest);
    if (unsealed.problem) return broken(base, verified, unsealed.problem);
    const lastHash = verified.at(-1)?.hash;
    return { ...base, verdict: 'unsealed', records: verified.length, sealed: false, lastHash, notes: unsealed.notes };
  }
  const mismatch = checkSealedManifest(verified, found.seal, manifest);
  if (mismatch) return broken(base, verified, mismatch);
  const signed = await checkSignature(dir, verified, found.seal, manifest?.value, options.publicKey);
  if (signed.problem) return broken(base, verified, signed.problem);
  const { signature } = signed;
  return { ...base, verdict: 'valid', records: verified.length, sealed: true, lastHash: found.seal.hash, signature };
}

function broken(base: ReportBase, verified: AuditRecord[], problem: TrailProblem): TrailReport {
  const records = Math.min(verified.length, problem.seq - 1);
  return { ...base, verdict: 'broken', records, sealed: false, lastHash: verified[records - 1]?.hash, problem };
}
