import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from './chain.js';
import type { TrailProblem } from './find-break.js';
import { SIGNATURE_FILE, signatureMismatch, signatureProblem, type SignedSeal, type SigningKey } from './sign.js';

export interface SignatureState {
  /** verified: checked with --public-key; present: not checked; absent: the seal is not signed. */
  state: 'verified' | 'present' | 'absent';
  publicKey?: string;
}

/**
 * The seal's signature. With a public key it must verify. Without one,
 * audit.sig must at least be for this seal, and must exist if the incident
 * said when it started (or the manifest says) that the seal would be signed:
 * deleting audit.sig does not turn a signed trail into an unsigned one.
 */
export async function checkSignature(
  dir: string, records: AuditRecord[], seal: AuditRecord, manifest: Record<string, unknown> | undefined,
  publicKey: SigningKey | undefined,
): Promise<{ signature: SignatureState; problem?: TrailProblem }> {
  const fail = (reason: string) => ({
    signature: { state: 'absent' as const },
    problem: { seq: seal.seq, kind: 'signature' as const, reason },
  });
  const file = await readSignatureFile(dir);
  const expected: SignedSeal = { purpose: 'ir audit seal', incident: seal.incident, records: seal.seq, hash: seal.hash };
  if (file === undefined) {
    const promised = signerNamed(records, manifest);
    if (publicKey) return fail(`${SIGNATURE_FILE} is missing: the seal is not signed`);
    if (promised) return fail(`the seal was to be signed by ${promised}, but ${SIGNATURE_FILE} is missing`);
    return { signature: { state: 'absent' } };
  }
  const problem = publicKey ? signatureProblem(file, expected, publicKey) : signatureMismatch(file, expected);
  if (problem) return fail(problem);
  const promised = signerNamed(records, manifest);
  const signer = String((file as { publicKey?: unknown }).publicKey);
  if (promised && signer !== promised) return fail(`${SIGNATURE_FILE} is signed by ${signer}, but the trail names ${promised}`);
  if (publicKey) return { signature: { state: 'verified', publicKey: publicKey.fingerprint } };
  return { signature: { state: 'present', publicKey: signer } };
}

/** Who the trail or the manifest says signs the seal. */
function signerNamed(records: AuditRecord[], manifest: Record<string, unknown> | undefined): string | undefined {
  const fromTrail = records.find((record) => record.event === 'incident.started')?.details.signingKey;
  if (typeof fromTrail === 'string') return fromTrail;
  const fromManifest = (manifest?.auditSeal as { signedBy?: unknown } | undefined)?.signedBy;
  return typeof fromManifest === 'string' ? fromManifest : undefined;
}

/** audit.sig parsed; null when it is not JSON (then it is not a signature), undefined when absent. */
async function readSignatureFile(dir: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, SIGNATURE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
