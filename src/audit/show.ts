import type { Actor, AuditRecord } from './chain.js';
import type { TrailReport } from './verify-trail.js';

/** Longest details line in the timeline; the full record is one `--json` away. */
const DETAILS_WIDTH = 160;

/** The trail as a timeline for people: time, actor, event, outcome, one line of details. */
export function formatTimeline(entries: (AuditRecord | undefined)[]): string[] {
  const records = entries.filter((entry): entry is AuditRecord => entry !== undefined);
  const actorWidth = Math.max(0, ...records.map((record) => actorOf(record.actor).length));
  const eventWidth = Math.max(0, ...records.map((record) => record.event.length));
  return entries.map((record, i) => {
    if (!record) return `line ${i + 1}: not an audit record`;
    const columns = [record.time, actorOf(record.actor).padEnd(actorWidth), record.event.padEnd(eventWidth),
      record.outcome.padEnd(9), detailsLine(record.details)];
    return columns.join('  ').trimEnd();
  });
}

/** The operator's name when given, with the account and machine it ran as. */
export function actorOf(actor: Partial<Actor> | undefined): string {
  const account = `${actor?.user ?? '?'}@${actor?.host ?? '?'}`;
  return actor?.operator ? `${actor.operator} (${account})` : account;
}

/** `key=value` pairs on one line, cut at DETAILS_WIDTH. */
export function detailsLine(details: Record<string, unknown> | undefined): string {
  const parts = Object.entries(details ?? {}).map(([key, value]) => `${key}=${valueText(value)}`);
  const line = parts.join(' ').replace(/\s+/g, ' ');
  return line.length > DETAILS_WIDTH ? `${line.slice(0, DETAILS_WIDTH - 1)}…` : line;
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One line on the state of the trail, for the end of the timeline and for `ir audit verify`. */
export function verdictLine(report: TrailReport): string {
  const of = report.incident ? ` of ${report.incident}` : '';
  if (report.verdict === 'valid') {
    return `VALID: ${report.records} records${of}, sealed (seal hash ${report.lastHash}) and matching manifest.json`;
  }
  if (report.verdict === 'unsealed') {
    return `UNSEALED: ${report.records} complete records${of} verify, ` +
      'but the trail has no seal: ir stopped before the incident finished';
  }
  const problem = report.problem!;
  const before = report.records > 0 ? `; records 1 to ${report.records} verify` : '';
  return `BROKEN at record ${problem.seq} (${problem.kind}): ${problem.reason}${before}`;
}

/** What is known of the seal's signature, one line. */
export function signatureLine(report: TrailReport): string | undefined {
  if (report.verdict !== 'valid') return undefined;
  const { state, publicKey } = report.signature;
  if (state === 'verified') return `signature: verified with ${publicKey}`;
  if (state === 'present') return `signature: by ${publicKey}, not checked (pass --public-key FILE to check it)`;
  return 'signature: none (the seal was not signed)';
}
