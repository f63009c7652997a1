/**
 * A small finished incident written by the real AuditTrail, EvidenceBundle
 * and seal, and helpers to tamper with its audit.jsonl line by line.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { hashRecord, type AuditRecord } from '../../src/audit/chain.js';
import { sealEvidence, sealIncident } from '../../src/audit/seal.js';
import { loadPublicKey, loadSigningKey, type SigningKey } from '../../src/audit/sign.js';
import { EvidenceBundle } from '../../src/evidence/evidence-bundle.js';
import { Redactor } from '../../src/redactor.js';

export const INCIDENT = 'IR-20261203T031502Z-web-test';

export interface FixtureOptions {
  /** Write the seal (default true); false leaves the trail as a killed run would. */
  seal?: boolean;
  key?: SigningKey;
}

/** Writes an incident directory: 8 records, and with `seal` the 9th, audit.sealed. */
export async function writeAuditIncident(options: FixtureOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ir-audit-verify-'));
  const redactor = new Redactor();
  const actor = { user: 'oncall', host: 'bastion', operator: 'Alice' };
  const audit = await AuditTrail.create(join(dir, 'audit.jsonl'), { incident: INCIDENT, actor, target: 'web' }, redactor);
  const bundle = new EvidenceBundle(dir, {
    incident: INCIDENT, tool: { name: 'ir', version: '0.0.0' }, operator: actor, target: { container: 'web' },
  }, redactor);
  bundle.add({
    path: 'evidence/web/inspect.json', bytes: 2, sha256: 'a'.repeat(64), startedAt: 't0', finishedAt: 't1', source: 'test',
  });
  await audit.append('incident.started', 'started', {
    container: { name: 'web' }, ticket: 'INC-1', ...(options.key ? { signingKey: options.key.fingerprint } : {}),
  });
  await audit.append('step.started', 'started', { step: 1, kind: 'isolate' });
  await audit.append('docker.network.disconnect.started', 'started', { network: 'bridge' });
  await audit.append('docker.network.disconnect', 'succeeded', { network: 'bridge' });
  await audit.append('step.finished', 'succeeded', { step: 1, kind: 'isolate' });
  await sealEvidence(bundle, audit);
  await audit.append('incident.finished', 'succeeded', { outcome: 'succeeded' });
  if (options.seal === false) {
    await audit.append('step.started', 'started', { step: 2, kind: 'capture' });
    await audit.close();
  } else {
    await sealIncident(audit, bundle, options.key);
  }
  return dir;
}

/** An Ed25519 key pair written as PEM files, loaded the way the CLI loads them. */
export async function makeKeyPair(dir: string, name = 'signing'): Promise<{ signing: SigningKey; verifying: SigningKey; publicFile: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateFile = join(dir, `${name}.pem`);
  const publicFile = join(dir, `${name}.pub`);
  await writeFile(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { signing: await loadSigningKey(privateFile), verifying: await loadPublicKey(publicFile), publicFile };
}

export async function readLines(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'audit.jsonl'), 'utf8')).split('\n').filter(Boolean);
}

export async function writeLines(dir: string, lines: string[], finalNewline = true): Promise<void> {
  await writeFile(join(dir, 'audit.jsonl'), lines.join('\n') + (finalNewline ? '\n' : ''));
}

/** Applies `change` to the parsed records and writes them back as they are (hashes untouched unless `change` rehashes). */
export async function tamper(dir: string, change: (records: AuditRecord[]) => AuditRecord[] | void): Promise<void> {
  const records = (await readLines(dir)).map((line) => JSON.parse(line) as AuditRecord);
  const changed = change(records) ?? records;
  await writeLines(dir, changed.map((record) => JSON.stringify(record)));
}

/** The record with its hash recomputed, as a careful forger would leave it. */
export function rehashed(record: AuditRecord): AuditRecord {
  return { ...record, hash: hashRecord(record) };
}

export async function editManifest(dir: string, change: (manifest: Record<string, unknown>) => void): Promise<void> {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  change(manifest);
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
