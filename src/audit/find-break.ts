/**
 * Finds the first place an audit trail stops being the chain `ir` wrote, and
 * names what was most likely done there. Each record commits to the one
 * before it (`prev`) and to its own content (`hash`), so an edit, a deletion,
 * an insertion and a reordering each leave a distinct pattern around the break.
 */
import { GENESIS_HASH, hashRecord, type AuditRecord } from './chain.js';

export type ProblemKind =
  | 'corrupt' | 'edited' | 'deleted' | 'inserted' | 'swapped' | 'reordered' | 'replaced'
  | 'after-seal' | 'seal' | 'truncated' | 'manifest' | 'signature';

/** The first thing wrong with a trail: the sequence number where it is, what, and why we think so. */
export interface TrailProblem {
  seq: number;
  kind: ProblemKind;
  reason: string;
}

type Entry = AuditRecord | undefined;

function at(seq: number, kind: ProblemKind, reason: string): TrailProblem {
  return { seq, kind, reason };
}

/** The records that chain correctly from the first, and the first problem after them. */
export function findBreak(entries: Entry[]): { verified: AuditRecord[]; problem?: TrailProblem } {
  const verified: AuditRecord[] = [];
  let prev = GENESIS_HASH;
  for (const [i, entry] of entries.entries()) {
    if (!entry || entry.seq !== i + 1 || entry.prev !== prev || !selfConsistent(entry)) {
      return { verified, problem: classify(entries, verified, i, prev) };
    }
    verified.push(entry);
    prev = entry.hash;
  }
  return { verified };
}

function selfConsistent(record: AuditRecord): boolean {
  return hashRecord(record) === record.hash;
}

/** Line `i + 1` should hold record `i + 1` following `prev`; it does not. */
function classify(entries: Entry[], verified: AuditRecord[], i: number, prev: string): TrailProblem {
  const pos = i + 1;
  const record = entries[i];
  if (!record) return at(pos, 'corrupt', `line ${pos} is not an audit record (not JSON, or lacks seq, prev or hash)`);
  return moved(entries, i) ?? insertedBefore(entries, i, prev) ?? editedInPlace(record, pos, prev)
    ?? forkedEarlier(entries, verified, i) ?? gapOrRepeat(record, pos) ?? brokenLink(entries, i);
}

/** A record that exists once but on the wrong line, with record `pos` further down. */
function moved(entries: Entry[], i: number): TrailProblem | undefined {
  const pos = i + 1;
  const seq = entries[i]!.seq;
  if (seq <= pos || seq > entries.length || entries.filter((e) => e?.seq === seq).length !== 1) return undefined;
  const j = entries.findIndex((e, k) => k > i && e?.seq === pos);
  if (j < 0) return undefined;
  if (j === seq - 1) return at(pos, 'swapped', `records ${pos} and ${seq} are in each other's place (swapped)`);
  return at(pos, 'reordered', `record ${pos} is out of place: it is on line ${j + 1}, ` +
    `and line ${pos} holds record ${seq}`);
}

/** The genuine record `pos` is on the next line: whatever is on this one was put there. */
function insertedBefore(entries: Entry[], i: number, prev: string): TrailProblem | undefined {
  const pos = i + 1;
  const next = entries[i + 1];
  if (!next || next.seq !== pos || next.prev !== prev || !selfConsistent(next)) return undefined;
  return at(pos, 'inserted', `line ${pos} holds a record that does not belong (inserted): ` +
    `record ${pos} follows it`);
}

/** It follows the right record, so it is the right record, changed. */
function editedInPlace(record: AuditRecord, pos: number, prev: string): TrailProblem | undefined {
  if (record.prev !== prev) return undefined;
  if (!selfConsistent(record)) {
    return at(pos, 'edited', `record ${pos} was edited: its content no longer matches its hash`);
  }
  return at(pos, 'edited', `line ${pos} says it is record ${record.seq}: edited and re-hashed`);
}

/**
 * Two records claim the same number and predecessor, and the chain goes on
 * from the later one: the earlier one was forged in, well enough to chain.
 */
function forkedEarlier(entries: Entry[], verified: AuditRecord[], i: number): TrailProblem | undefined {
  const record = entries[i]!;
  const twin = verified[record.seq - 1];
  const next = entries[i + 1];
  if (!twin || twin.prev !== record.prev || !selfConsistent(record) || next?.prev !== record.hash) return undefined;
  return at(twin.seq, 'inserted', `line ${twin.seq} holds a record that does not belong (inserted): ` +
    `the record ${twin.seq} the chain goes on from is on line ${i + 1}`);
}

function gapOrRepeat(record: AuditRecord, pos: number): TrailProblem | undefined {
  if (record.seq > pos) {
    const which = record.seq - pos > 1 ? `records ${pos} to ${record.seq - 1} are` : `record ${pos} is`;
    const after = pos > 1 ? `record ${pos - 1}` : 'the start of the trail';
    return at(pos, 'deleted', `${which} missing (deleted): record ${record.seq} follows ${after}`);
  }
  if (record.seq < pos) {
    return at(pos, 'inserted', `line ${pos} repeats record ${record.seq} (inserted)`);
  }
  return undefined;
}

/** The right number, the wrong predecessor: which side of the link changed? */
function brokenLink(entries: Entry[], i: number): TrailProblem {
  const pos = i + 1;
  const record = entries[i]!;
  if (!selfConsistent(record)) {
    return at(pos, 'edited', `record ${pos} was edited: neither its prev nor its hash match`);
  }
  const next = entries[i + 1];
  if (next && next.prev !== record.hash) {
    return at(pos, 'replaced', `record ${pos} was replaced: it chains to neither neighbour`);
  }
  // Record `pos` is intact and its successor still points to it: its predecessor changed under it.
  if (pos === 1) return at(1, 'edited', 'record 1 was edited and re-hashed: it no longer starts the chain');
  return at(pos - 1, 'edited', `record ${pos - 1} was edited and re-hashed: ` +
    `record ${pos} no longer points to it`);
}
