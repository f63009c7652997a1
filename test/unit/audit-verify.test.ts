import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { chainRecord, GENESIS_HASH, type AuditRecord } from '../../src/audit/chain.js';
import { writeSignature } from '../../src/audit/sign.js';
import { verifyTrail } from '../../src/audit/verify-trail.js';
import { Redactor } from '../../src/redactor.js';
import {
  editManifest, INCIDENT, makeKeyPair, readLines, rehashed, tamper, writeAuditIncident, writeLines,
} from '../support/audit-fixture.js';

/** The seal is record 8 of the fixture; evidence.sealed is record 6. */
const SEAL = 8;
const EVIDENCE_SEALED = 6;

async function brokenAt(dir: string) {
  const report = await verifyTrail(dir);
  expect(report.verdict).toBe('broken');
  return report.problem!;
}

describe('ir audit verify on an untouched trail', () => {
  it('is valid, sealed, and matches the manifest', async () => {
    const report = await verifyTrail(await writeAuditIncident());
    expect(report).toMatchObject({ verdict: 'valid', records: SEAL, sealed: true, incident: INCIDENT, signature: { state: 'absent' } });
  });

  it('reads the seal record: the count and hash of the records before it', async () => {
    const lines = await readLines(await writeAuditIncident());
    const seal = JSON.parse(lines.at(-1)!) as AuditRecord;
    const before = JSON.parse(lines.at(-2)!) as AuditRecord;
    expect(seal).toMatchObject({ seq: SEAL, event: 'audit.sealed', details: { records: SEAL - 1, finalHash: before.hash } });
  });

  it('refuses to append after the seal', async () => {
    const trail = await AuditTrail.create(join(await writeAuditIncident({ seal: false }), 'second.jsonl'),
      { incident: 'IR-x', actor: { user: 'u', host: 'h' }, target: 't' }, new Redactor());
    await trail.seal();
    expect(() => trail.append('late', 'info')).toThrow(/after the trail was sealed/);
    await trail.close();
  });
});

describe('ir audit verify finds each kind of tampering at its sequence number', () => {
  it('an edited field', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => { records[3]!.outcome = 'failed'; });
    expect(await brokenAt(dir)).toMatchObject({ seq: 4, kind: 'edited' });
  });

  it('an edited field whose hash was recomputed', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => { records[3] = rehashed({ ...records[3]!, details: { network: 'other' } }); });
    expect(await brokenAt(dir)).toMatchObject({ seq: 4, kind: 'edited', reason: expect.stringMatching(/re-hashed/) });
  });

  it('a deleted record, and a deleted first record', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => records.filter((r) => r.seq !== 5));
    expect(await brokenAt(dir)).toMatchObject({ seq: 5, kind: 'deleted' });
    const first = await writeAuditIncident();
    await tamper(first, (records) => records.slice(1));
    expect(await brokenAt(first)).toMatchObject({ seq: 1, kind: 'deleted' });
  });

  it('an inserted record, forged to chain after its predecessor', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => {
      const forged = chainRecord({ ...records[2]!, event: 'operator.decision', details: { answer: 'skip' }, prev: records[1]!.hash });
      return [...records.slice(0, 2), forged, ...records.slice(2)];
    });
    expect(await brokenAt(dir)).toMatchObject({ seq: 3, kind: 'inserted' });
  });

  it('a duplicated record', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => [...records.slice(0, 5), records[1]!, ...records.slice(5)]);
    expect(await brokenAt(dir)).toMatchObject({ seq: 6, kind: 'inserted' });
    const atEnd = await writeAuditIncident({ seal: false });
    await tamper(atEnd, (records) => [...records, records[1]!]);
    expect(await brokenAt(atEnd)).toMatchObject({ seq: 9, kind: 'inserted', reason: expect.stringMatching(/repeats record 2/) });
  });

  it('two swapped records, adjacent or not', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => { [records[3], records[4]] = [records[4]!, records[3]!]; });
    expect(await brokenAt(dir)).toMatchObject({ seq: 4, kind: 'swapped', reason: 'records 4 and 5 are in each other\'s place (swapped)' });
    const far = await writeAuditIncident();
    await tamper(far, (records) => { [records[1], records[5]] = [records[5]!, records[1]!]; });
    expect(await brokenAt(far)).toMatchObject({ seq: 2, kind: 'swapped' });
  });

  it('a record moved elsewhere', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => [records[0]!, ...records.slice(2, 6), records[1]!, ...records.slice(6)]);
    expect(await brokenAt(dir)).toMatchObject({ seq: 2, kind: 'reordered' });
  });

  it('a damaged line in the middle', async () => {
    const dir = await writeAuditIncident();
    const lines = await readLines(dir);
    lines[5] = lines[5]!.slice(0, 40);
    await writeLines(dir, lines);
    expect(await brokenAt(dir)).toMatchObject({ seq: 6, kind: 'corrupt' });
  });

  it('a record appended after the seal, however well chained', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => {
      const seal = records.at(-1)!;
      return [...records, chainRecord({ ...seal, seq: SEAL + 1, event: 'note', details: {}, prev: seal.hash })];
    });
    expect(await brokenAt(dir)).toMatchObject({ seq: SEAL + 1, kind: 'after-seal' });
  });
});

describe('ir audit verify on a trail that ends early', () => {
  it('calls a killed run unsealed, not broken, and counts its complete records', async () => {
    const report = await verifyTrail(await writeAuditIncident({ seal: false }));
    expect(report).toMatchObject({ verdict: 'unsealed', records: 8, sealed: false, cutTail: false });
    expect(report.problem).toBeUndefined();
  });

  it('does not let an unsealed trail vouch for a manifest it never recorded', async () => {
    const dir = await writeAuditIncident({ seal: false });
    await editManifest(dir, (manifest) => { (manifest.items as { bytes: number }[])[0]!.bytes += 1; });
    expect(await brokenAt(dir)).toMatchObject({ seq: EVIDENCE_SEALED, kind: 'manifest' });
  });

  it('calls a last line cut mid-way unsealed too, and does not count it', async () => {
    const dir = await writeAuditIncident({ seal: false });
    await appendFile(join(dir, 'audit.jsonl'), '{"seq":9,"time":"2026-12-03T03:1');
    expect(await verifyTrail(dir)).toMatchObject({ verdict: 'unsealed', records: 8, cutTail: true });
  });

  it('calls a removed seal truncation when the manifest says the trail was sealed', async () => {
    const dir = await writeAuditIncident();
    await tamper(dir, (records) => records.slice(0, -2));
    expect(await brokenAt(dir)).toMatchObject({ seq: SEAL - 1, kind: 'truncated' });
  });

  it('calls a seal cut mid-way truncation too', async () => {
    const dir = await writeAuditIncident();
    const lines = await readLines(dir);
    await writeLines(dir, [...lines.slice(0, -1), lines.at(-1)!.slice(0, 60)], false);
    expect(await brokenAt(dir)).toMatchObject({ seq: SEAL, kind: 'truncated' });
  });
});

describe('ir audit verify ties the seal to manifest.json', () => {
  it('a seal that does not match the manifest', async () => {
    const dir = await writeAuditIncident();
    await editManifest(dir, (manifest) => { (manifest.auditSeal as { hash: string }).hash = GENESIS_HASH; });
    expect(await brokenAt(dir)).toMatchObject({ seq: SEAL, kind: 'seal' });
  });

  it('a manifest without the seal', async () => {
    const dir = await writeAuditIncident();
    await editManifest(dir, (manifest) => { delete manifest.auditSeal; });
    expect(await brokenAt(dir)).toMatchObject({ seq: SEAL, kind: 'seal', reason: expect.stringMatching(/does not carry the seal/) });
  });

  it('a manifest edited after evidence.sealed recorded its hash', async () => {
    const dir = await writeAuditIncident();
    await editManifest(dir, (manifest) => { (manifest.items as { sha256: string }[])[0]!.sha256 = 'b'.repeat(64); });
    expect(await brokenAt(dir)).toMatchObject({ seq: EVIDENCE_SEALED, kind: 'manifest' });
  });

  it('a missing manifest', async () => {
    const dir = await writeAuditIncident();
    await rm(join(dir, 'manifest.json'));
    expect(await brokenAt(dir)).toMatchObject({ seq: SEAL, kind: 'manifest' });
  });

  it('marks the evidence that may hold secrets', async () => {
    const dir = await writeAuditIncident();
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.items[0]).toMatchObject({ path: 'evidence/web/inspect.json', secret: true });
  });
});

describe('ir audit verify checks the signature of the seal', () => {
  it('verifies a good signature with the public key, and names the signer without it', async () => {
    const keysDir = await writeAuditIncident({ seal: false });
    const { signing, verifying } = await makeKeyPair(keysDir);
    const dir = await writeAuditIncident({ key: signing });
    expect(await verifyTrail(dir, { publicKey: verifying })).toMatchObject({
      verdict: 'valid', signature: { state: 'verified', publicKey: signing.fingerprint },
    });
    expect(await verifyTrail(dir)).toMatchObject({ verdict: 'valid', signature: { state: 'present', publicKey: signing.fingerprint } });
  });

  it('rejects a bad signature, another key, and a missing signature', async () => {
    const keysDir = await writeAuditIncident({ seal: false });
    const { signing, verifying } = await makeKeyPair(keysDir);
    const other = await makeKeyPair(keysDir, 'other');
    const dir = await writeAuditIncident({ key: signing });
    expect((await verifyTrail(dir, { publicKey: other.verifying })).problem).toMatchObject({ seq: SEAL, kind: 'signature' });

    const sig = JSON.parse(await readFile(join(dir, 'audit.sig'), 'utf8'));
    const bytes = Buffer.from(sig.signature, 'base64');
    bytes[0] ^= 0xff;
    await writeFile(join(dir, 'audit.sig'), JSON.stringify({ ...sig, signature: bytes.toString('base64') }));
    expect((await verifyTrail(dir, { publicKey: verifying })).problem).toMatchObject({
      seq: SEAL, kind: 'signature', reason: expect.stringMatching(/does not verify/),
    });

    await rm(join(dir, 'audit.sig'));
    expect((await verifyTrail(dir, { publicKey: verifying })).problem).toMatchObject({ seq: SEAL, kind: 'signature' });
    // Without a key too: the trail said at its start that the seal would be signed.
    expect((await verifyTrail(dir)).problem).toMatchObject({ seq: SEAL, kind: 'signature', reason: expect.stringMatching(/to be signed/) });
  });

  it('rejects, even without a public key, a seal re-signed by a key the trail does not name', async () => {
    const keysDir = await writeAuditIncident({ seal: false });
    const { signing } = await makeKeyPair(keysDir);
    const other = await makeKeyPair(keysDir, 'other');
    const dir = await writeAuditIncident({ key: signing });
    const seal = JSON.parse((await readLines(dir)).at(-1)!) as AuditRecord;
    await rm(join(dir, 'audit.sig'));
    await writeSignature(dir, { purpose: 'ir audit seal', incident: seal.incident, records: seal.seq, hash: seal.hash }, other.signing);
    expect((await verifyTrail(dir)).problem).toMatchObject({
      seq: SEAL, kind: 'signature', reason: expect.stringMatching(/but the trail names/),
    });
  });

  it('says an unsigned trail is unsigned, and fails it when a public key demands a signature', async () => {
    const keysDir = await writeAuditIncident({ seal: false });
    const { verifying } = await makeKeyPair(keysDir);
    const dir = await writeAuditIncident();
    expect((await verifyTrail(dir)).signature.state).toBe('absent');
    expect((await verifyTrail(dir, { publicKey: verifying })).problem).toMatchObject({ kind: 'signature' });
  });
});
