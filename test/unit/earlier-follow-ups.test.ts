import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/chain.js';
import { earlierFollowUps } from '../../src/runner/earlier-follow-ups.js';
import type { JournalStep } from '../../src/runner/journal.js';
import { remainingWork } from '../../src/runner/summary.js';

function record(seq: number, event: string, details: Record<string, unknown>): AuditRecord {
  return { seq, event, details } as unknown as AuditRecord;
}

const STEPS: JournalStep[] = [
  { index: 1, kind: 'capture', state: 'done' },
  { index: 2, kind: 'rotate-secret', state: 'failed' },
];

describe('follow-ups an incident left before ir resume', () => {
  it('keeps the uncovered variables recorded before a kill, and the follow-ups of done steps', () => {
    const records = [
      record(1, 'secrets.uncovered', { variables: ['DB_PASSWORD'], covered: ['GROQ_API_KEY'] }),
      record(2, 'step.finished', { step: 1, followUps: ['check the capture by hand'] }),
      record(3, 'step.finished', { step: 2, followUps: ['from a run the journal no longer counts'] }),
    ];
    const earlier = earlierFollowUps(records, STEPS);
    expect(earlier).toEqual([
      'rotate DB_PASSWORD: burned with the container, and not rotated by this runbook',
      'check the capture by hand',
    ]);
    const resumed = [{ index: 2, kind: 'rotate-secret' as const, outcome: 'succeeded' as const, summary: 'ok',
      followUps: ['revoke the old key'] }];
    expect(remainingWork(resumed, earlier)).toEqual([...earlier, 'revoke the old key']);
  });
});
