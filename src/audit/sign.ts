/**
 * Ed25519 signatures over an audit trail's seal, in a sidecar `audit.sig`.
 * The seal record's hash covers every record before it through the chain, so
 * one signature over it covers the whole trail. Key material never leaves
 * this file: messages name the key file, never its content.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IrError } from '../errors.js';
import { writeFileAtomic } from '../evidence/write-atomic.js';
import { canonicalJson } from './chain.js';

export const SIGNATURE_FILE = 'audit.sig';

/** A private key ready to sign, and the fingerprint of its public half. */
export interface SigningKey {
  key: KeyObject;
  fingerprint: string;
}

/** What is signed: a purpose string, so the signature means nothing anywhere else, and the seal. */
export interface SignedSeal {
  purpose: 'ir audit seal';
  incident: string;
  records: number;
  hash: string;
}

/** audit.sig. */
export interface SealSignature {
  algorithm: 'Ed25519';
  signed: SignedSeal;
  /** Base64 Ed25519 signature over the RFC 8785 form of `signed`. */
  signature: string;
  /** Fingerprint of the public key that verifies it. */
  publicKey: string;
}

/**
 * `sha256:` and the hex SHA-256 of the public key's DER SubjectPublicKeyInfo,
 * which `openssl pkey -in KEY -pubout -outform DER | sha256sum` reproduces.
 */
export function fingerprintOf(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** Reads an unencrypted Ed25519 private key in PEM; refuses anything else before any change is made. */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  const key = parseKey(await readKeyFile(file, 'signing'), file, 'private');
  return { key, fingerprint: fingerprintOf(key) };
}

/** Reads an Ed25519 public key in PEM (a private key is accepted too: its public half is used). */
export async function loadPublicKey(file: string): Promise<SigningKey> {
  const key = parseKey(await readKeyFile(file, 'public'), file, 'public');
  return { key, fingerprint: fingerprintOf(key) };
}

/** Signs the seal and writes audit.sig beside the trail; returns the fingerprint to record. */
export async function writeSignature(incidentDir: string, signed: SignedSeal, key: SigningKey): Promise<string> {
  const signature = sign(null, Buffer.from(canonicalJson(signed)), key.key).toString('base64');
  const file: SealSignature = { algorithm: 'Ed25519', signed, signature, publicKey: key.fingerprint };
  await writeFileAtomic(join(incidentDir, SIGNATURE_FILE), `${JSON.stringify(file, null, 2)}\n`);
  return key.fingerprint;
}

/** Why `file` is not a signature over `expected` at all; undefined when it is one, its key not yet checked. */
export function signatureMismatch(file: unknown, expected: SignedSeal): string | undefined {
  const sig = file as Partial<SealSignature> | null | undefined;
  if (!sig || sig.algorithm !== 'Ed25519' || typeof sig.signature !== 'string' || !sig.signed) {
    return `${SIGNATURE_FILE} is not an Ed25519 seal signature`;
  }
  if (canonicalJson(sig.signed) !== canonicalJson(expected)) {
    return `${SIGNATURE_FILE} signs another seal (${describe(sig.signed)}), not this trail's (${describe(expected)})`;
  }
  return undefined;
}

/** Why `file` does not prove that the holder of `publicKey` signed `expected`; undefined when it does. */
export function signatureProblem(file: unknown, expected: SignedSeal, publicKey: SigningKey): string | undefined {
  const mismatch = signatureMismatch(file, expected);
  if (mismatch) return mismatch;
  const sig = file as SealSignature;
  if (sig.publicKey !== publicKey.fingerprint) {
    return `${SIGNATURE_FILE} names key ${String(sig.publicKey)}, not the public key given (${publicKey.fingerprint})`;
  }
  const ok = verify(null, Buffer.from(canonicalJson(expected)), publicKey.key, Buffer.from(sig.signature, 'base64'));
  return ok ? undefined : `the signature in ${SIGNATURE_FILE} does not verify with ${publicKey.fingerprint}`;
}

function describe(seal: Partial<SignedSeal>): string {
  return `${String(seal.incident)}, ${String(seal.records)} records, hash ${String(seal.hash).slice(0, 12)}…`;
}

async function readKeyFile(file: string, which: 'signing' | 'public'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new IrError(`cannot read the ${which} key ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      code: which === 'signing' ? 'SIGNING_KEY_UNREADABLE' : 'PUBLIC_KEY_UNREADABLE',
      source: 'input',
      hint: `pass ${which === 'signing' ? '--signing-key (or IR_SIGNING_KEY)' : '--public-key'} a readable PEM file`,
    });
  }
}

/** The crypto library's own message is left out: it says nothing useful and must never quote the key. */
function parseKey(pem: string, file: string, kind: 'private' | 'public'): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey({ key: pem, format: 'pem' }) : createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw badKey(file, kind, /ENCRYPTED/.test(pem) ? 'it is encrypted' : `it is not a PEM ${kind} key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw badKey(file, kind, `it is a ${key.asymmetricKeyType ?? 'symmetric'} key`);
  return key;
}

function badKey(file: string, kind: 'private' | 'public', why: string): IrError {
  return new IrError(`${file} cannot be used as an Ed25519 ${kind} key: ${why}`, {
    code: kind === 'private' ? 'SIGNING_KEY_INVALID' : 'PUBLIC_KEY_INVALID',
    source: 'input',
    hint: kind === 'private'
      ? 'make one with: openssl genpkey -algorithm ed25519 -out ir-signing.pem (unencrypted, kept owner-only)'
      : 'export it with: openssl pkey -in ir-signing.pem -pubout -out ir-signing.pub',
  });
}
