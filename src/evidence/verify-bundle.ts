/**
 * Checks a sealed incident directory against its own manifest: every file's
 * bytes and SHA-256, nothing added, SHA256SUMS in agreement, and every
 * captured tar against the index written while it was captured.
 */
import { verifyTrail } from '../audit/verify-trail.js';
import { IrError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MissingEvidence } from './item.js';
import {
  hashRegularFile, listIncidentFiles, readManifest, SUMS_FILE, unreadable,
  type IncidentEntry, type SealedItem,
} from './incident-files.js';
import { findUnaccounted, linkOnPath } from './check-incident-tree.js';
import { checkTarIndex } from './verify-tar-index.js';

/** What kind of check a problem failed. */
export type ProblemKind = 'missing' | 'extra' | 'symlink' | 'altered' | 'sums' | 'index' | 'audit';

/** One thing that does not match the manifest, named by its path relative to the incident. */
export interface VerifyProblem {
  kind: ProblemKind;
  path: string;
  detail: string;
}

/** Everything `ir evidence verify` found. */
export interface VerifyReport {
  incident: string;
  /** True when every check passed, whether or not the capture was complete. */
  ok: boolean;
  /** The manifest's own word: false when something was partial or missing at capture time. */
  complete: boolean;
  files: number;
  tarIndexes: number;
  /** Items the capture marked partial: verified against their recorded hash, but not the whole story. */
  partial: string[];
  missing: MissingEvidence[];
  problems: VerifyProblem[];
  /** Observations that are not failures, such as a partial tar that stops early as its capture recorded. */
  notes: string[];
}

const JOURNAL_FILE = 'journal.json';

/** The journal is rewritten whole as steps run and is not a manifest item, so no hash pins it. */
const JOURNAL_NOTE = `${JOURNAL_FILE} is the runner's working state, not evidence: ` +
  'nothing seals it, so this check does not vouch for it';

/** The incident as walked once: where it is, what is in it, and the abort that stops the checks. */
interface Walked {
  dir: string;
  entries: IncidentEntry[];
  signal?: AbortSignal;
}

/**
 * Verifies the incident directory `dir`; `label` names it in messages (a
 * bundle's name when it was unpacked). An abort of `signal` throws its reason.
 */
export async function verifyIncidentDir(
  dir: string, label = dir, signal?: AbortSignal,
): Promise<VerifyReport> {
  const manifest = await readManifest(dir, label);
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const entries = await listIncidentFiles(dir);
  const walked = { dir, entries, signal };
  const present = await checkItems(walked, manifest.items, problems);
  problems.push(...findUnaccounted(entries, manifest));
  problems.push(...(await checkSums(dir, manifest.items)));
  const tarIndexes = await checkTarIndexes(walked, manifest.items, present, { problems, notes });
  await checkAuditTrail(dir, { problems, notes });
  const journal = entries.some((entry) => entry.path === JOURNAL_FILE && entry.kind === 'file');
  if (journal) notes.push(JOURNAL_NOTE);
  return {
    incident: manifest.incident,
    ok: problems.length === 0,
    complete: manifest.complete,
    files: manifest.items.length,
    tarIndexes,
    partial: manifest.items.filter((item) => item.partial).map((item) => item.path),
    missing: manifest.missing,
    problems,
    notes,
  };
}

/**
 * The manifest alone proves nothing to someone who can rewrite it and
 * SHA256SUMS together: the audit trail's chain and seal pin the manifest's hash.
 */
async function checkAuditTrail(dir: string, found: { problems: VerifyProblem[]; notes: string[] }): Promise<void> {
  const trail = await verifyTrail(dir).catch((error: unknown) => {
    if (error instanceof IrError && error.code === 'NOT_AN_INCIDENT') return undefined;
    throw error;
  });
  if (!trail) {
    found.problems.push({ kind: 'audit', path: 'audit.jsonl', detail: 'missing: nothing vouches for the manifest' });
    return;
  }
  if (trail.verdict === 'broken' && trail.problem) {
    found.problems.push({ kind: 'audit', path: 'audit.jsonl', detail: `record ${trail.problem.seq}: ${trail.problem.reason}` });
  } else if (trail.verdict === 'unsealed') {
    found.notes.push(`audit.jsonl is intact but unsealed (${trail.records} records): ir stopped before finishing`);
  }
}

/** Re-hashes every item not behind a symlink; returns the paths that exist as regular files. */
async function checkItems(
  walked: Walked, items: SealedItem[], problems: VerifyProblem[],
): Promise<Set<string>> {
  const present = new Set<string>();
  for (const item of items) {
    walked.signal?.throwIfAborted();
    const link = linkOnPath(item.path, walked.entries);
    if (link) {
      const detail = `not verified: only reached through the symlink ${link.path}`;
      problems.push({ kind: 'missing', path: item.path, detail });
      continue;
    }
    const found = await hashRegularFile(join(walked.dir, item.path), walked.signal);
    if (found === null) {
      problems.push({ kind: 'missing', path: item.path, detail: 'listed in the manifest but not in the incident' });
      continue;
    }
    if (found === 'not-a-file') {
      problems.push({ kind: 'altered', path: item.path, detail: 'not a regular file any more' });
      continue;
    }
    present.add(item.path);
    if (found.sha256 !== item.sha256 || found.bytes !== item.bytes) {
      problems.push({
        kind: 'altered',
        path: item.path,
        detail: `${found.bytes} bytes with sha256 ${found.sha256}; the manifest recorded ${item.bytes} bytes with ${item.sha256}`,
      });
    }
  }
  return present;
}

/** SHA256SUMS is what `sha256sum -c` checks, so it must say exactly what the manifest says. */
async function checkSums(dir: string, items: SealedItem[]): Promise<VerifyProblem[]> {
  let text: string;
  try {
    text = await readFile(join(dir, SUMS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(join(dir, SUMS_FILE), error);
    return [{ kind: 'missing', path: SUMS_FILE, detail: 'the incident has no SHA256SUMS' }];
  }
  const { sums, problems } = parseSums(text);
  for (const item of items) {
    const listed = sums.get(item.path);
    if (listed === undefined) problems.push(sumsProblem(item.path, 'missing from SHA256SUMS'));
    else if (listed !== item.sha256) {
      problems.push(sumsProblem(item.path, `SHA256SUMS says ${listed}, the manifest ${item.sha256}`));
    }
    sums.delete(item.path);
  }
  for (const path of sums.keys()) problems.push(sumsProblem(path, 'in SHA256SUMS but not in the manifest'));
  return problems;
}

function parseSums(text: string): { sums: Map<string, string>; problems: VerifyProblem[] } {
  const sums = new Map<string, string>();
  const problems: VerifyProblem[] = [];
  text.split('\n').forEach((line, index) => {
    if (line === '') return;
    // `sha256sum` writes two spaces, or a space and `*` in binary mode; both mean the same.
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) problems.push(sumsProblem(SUMS_FILE, `line ${index + 1} is not "<sha256>  <path>"`));
    else if (sums.has(match[2]!)) problems.push(sumsProblem(match[2]!, 'listed twice in SHA256SUMS'));
    else sums.set(match[2]!, match[1]!);
  });
  return { sums, problems };
}

function sumsProblem(path: string, detail: string): VerifyProblem {
  return { kind: 'sums', path, detail };
}

/** Checks each `X.tar` item that has an `X.index.jsonl` item beside it; returns how many were checked. */
async function checkTarIndexes(
  { dir, signal }: Walked, items: SealedItem[], present: Set<string>,
  out: { problems: VerifyProblem[]; notes: string[] },
): Promise<number> {
  let checked = 0;
  for (const tar of items.filter((item) => item.path.endsWith('.tar'))) {
    const indexPath = tar.path.replace(/\.tar$/, '.index.jsonl');
    if (!present.has(tar.path) || !present.has(indexPath)) continue;
    const result = await checkTarIndex(join(dir, tar.path), join(dir, indexPath), signal);
    checked++;
    const stopped = `stops after ${result.entries} entries (${result.stoppedEarly})`;
    if (result.mismatch) out.problems.push({ kind: 'index', path: tar.path, detail: result.mismatch });
    // A partial capture was cut off by definition; a complete one must read to its end-of-archive marker.
    else if (result.stoppedEarly && tar.partial) out.notes.push(`${tar.path} ${stopped}, as its partial capture recorded`);
    else if (result.stoppedEarly) out.problems.push({ kind: 'index', path: tar.path, detail: `the tar ${stopped}` });
  }
  return checked;
}
