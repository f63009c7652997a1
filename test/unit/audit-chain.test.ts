import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { chainRecord, GENESIS_HASH, verifyChain, type AuditRecord } from '../../src/audit/chain.js';
import { Redactor } from '../../src/redactor.js';

function chainOf(events: string[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const [i, event] of events.entries()) {
    records.push(chainRecord({
      seq: i + 1, time: `2026-12-03T03:15:0${i}.000Z`, incident: 'IR-x', actor: { user: 'oncall', host: 'h' },
      event, target: 'autotrader', outcome: 'info', details: { i }, prev: records.at(-1)?.hash ?? GENESIS_HASH,
    }));
  }
  return records;
}

describe('the audit chain', () => {
  it('verifies an untouched chain', () => {
    expect(verifyChain(chainOf(['a', 'b', 'c']))).toEqual({ ok: true, records: 3 });
  });

  it('finds an edited field at its sequence number', () => {
    const records = chainOf(['a', 'b', 'c']);
    records[1] = { ...records[1]!, outcome: 'succeeded' };
    expect(verifyChain(records)).toMatchObject({ ok: false, brokenAt: 2, reason: expect.stringMatching(/edited/) });
  });

  it('finds a deleted record where the gap is', () => {
    const records = chainOf(['a', 'b', 'c']);
    records.splice(1, 1);
    expect(verifyChain(records)).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('does not depend on key order in the stored JSON', () => {
    const [record] = chainOf(['a']);
    const reordered = Object.fromEntries(Object.entries(record!).reverse()) as unknown as AuditRecord;
    expect(verifyChain([reordered]).ok).toBe(true);
  });
});

describe('the audit trail file', () => {
  it('appends chained records in call order, with known secrets redacted', async () => {
    const redactor = new Redactor();
    redactor.add('gsk_fake_hunter2_value');
    const path = join(await mkdtemp(join(tmpdir(), 'ir-audit-')), 'audit.jsonl');
    const trail = await AuditTrail.create(path, { incident: 'IR-x', actor: { user: 'u', host: 'h' }, target: 't' }, redactor);
    await Promise.all([
      trail.append('first', 'started', { note: 'key gsk_fake_hunter2_value leaked' }),
      trail.append('second', 'succeeded'),
    ]);
    await trail.close();
    const text = await readFile(path, 'utf8');
    const records = text.trim().split('\n').map((line) => JSON.parse(line) as AuditRecord);
    expect(records.map((r) => r.event)).toEqual(['first', 'second']);
    expect(verifyChain(records).ok).toBe(true);
    expect(text).not.toContain('gsk_fake_hunter2_value');
    expect(records[0]!.details.note).toBe('key [REDACTED] leaked');
  });
});
