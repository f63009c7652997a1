/**
 * Reading a sealed incident directory back: its manifest, its files and their
 * hashes. Shared by `ir evidence verify` and `ir evidence pack`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { ExitCode, IrError, messageOf } from '../errors.js';
import { pathExists, type HashedFile } from './hashed-file.js';

export const MANIFEST_FILE = 'manifest.json';
export const SUMS_FILE = 'SHA256SUMS';

/** Top-level files that belong to the incident but are not evidence items: the seal and the run's own records. */
export const SEAL_FILES: readonly string[] = [MANIFEST_FILE, SUMS_FILE, 'audit.jsonl', 'audit.sig', 'journal.json'];

/** A path that stays inside the directory it is relative to: no leading slash, no empty, `.` or `..` part. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const itemSchema = z.object({
  path: z.string().refine(isSafeRelativePath, 'an item path must be relative and stay inside the incident'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 in hex'),
  partial: z.boolean().optional(),
});

const manifestSchema = z.object({
  incident: z.string().min(1),
  writtenAt: z.iso.datetime(),
  complete: z.boolean(),
  items: z.array(itemSchema),
  missing: z.array(z.object({ what: z.string(), reason: z.string() })),
  target: z.object({ container: z.string() }).optional(),
});

/** The parts of manifest.json that verifying and packing rely on. */
export type SealedManifest = z.infer<typeof manifestSchema>;
export type SealedItem = SealedManifest['items'][number];

/**
 * Reads and checks `dir/manifest.json`. `label` names the directory in
 * messages (a bundle's name rather than its temporary extraction directory).
 */
export async function readManifest(dir: string, label = dir): Promise<SealedManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    const absent = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (absent && (await hasAuditTrail(dir))) throw damagedManifest(`${label} has an audit trail but no ${MANIFEST_FILE}: ir stopped before sealing any evidence, or it was removed (ir audit verify tells which)`);
    throw new IrError(absent ? `${label} is not an incident: it has no ${MANIFEST_FILE}`
      : `cannot read ${MANIFEST_FILE} in ${label}: ${messageOf(error)}`, {
      code: absent ? 'NOT_AN_INCIDENT' : 'MANIFEST_UNREADABLE',
      source: 'input',
      hint: 'name an incident directory written by ir contain (one with a sealed capture), or a bundle from ir evidence pack',
    });
  }
  const json = parseJson(text);
  if (json === undefined) {
    const what = text.trim() === '' ? 'is empty' : 'is not valid JSON';
    throw damagedManifest(`${MANIFEST_FILE} in ${label} ${what}`, RESTORE_MANIFEST);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || 'document';
    throw damagedManifest(`${MANIFEST_FILE} in ${label} is not a valid manifest: ${where}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * An incident whose manifest is gone or mangled has been damaged or tampered
 * with: that is a failed check (exit 1), not a wrong argument.
 */
function damagedManifest(message: string, hint = EDITED_MANIFEST): IrError {
  return new IrError(message, {
    code: 'MANIFEST_INVALID', source: 'environment', exitCode: ExitCode.stepFailed, hint,
  });
}

const EDITED_MANIFEST =
  'the manifest was removed, damaged or edited; without it nothing in the incident can be checked';

const RESTORE_MANIFEST = 'it was damaged or cut short: restore manifest.json from an untouched ' +
  'copy of the incident or its bundle, then verify again (ir audit verify checks the trail)';

async function hasAuditTrail(dir: string): Promise<boolean> {
  return pathExists(join(dir, 'audit.jsonl'));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a walk of the incident directory found at one relative path. */
export interface IncidentEntry {
  path: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
  /** Where a symlink points, as written in the link. */
  target?: string;
}

/** The temp file writeFileAtomic leaves behind if it dies before its rename: `<name>.<pid>-<random>.tmp`. */
export function isAtomicTemp(path: string): boolean {
  return /^[^/]+\.\d+(-[0-9a-f]+)?\.tmp$/.test(path);
}

/**
 * Every entry under `dir` except atomic-write temp files, in a fixed order
 * (code-unit order of the relative path) so two walks of the same tree agree.
 * Symlinks are reported with their target and never followed.
 */
export async function listIncidentFiles(dir: string): Promise<IncidentEntry[]> {
  const found: IncidentEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        found.push({ path, kind: 'directory' });
        await walk(path);
      } else if (entry.isSymbolicLink()) {
        found.push({ path, kind: 'symlink', target: await readlink(join(dir, path)) });
      } else if (!isAtomicTemp(path)) {
        found.push({ path, kind: entry.isFile() ? 'file' : 'other' });
      }
    }
  };
  try {
    await walk('');
  } catch (error) {
    throw unreadable(dir, error);
  }
  return found.sort((a, b) => compareText(a.path, b.path));
}

/** A locale-independent order, so output never depends on the machine's language settings. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Hashes a regular file as a stream; null when it does not exist, 'not-a-file'
 * for a link or directory. An abort of `signal` throws its reason.
 */
export async function hashRegularFile(
  path: string, signal?: AbortSignal,
): Promise<HashedFile | null | 'not-a-file'> {
  try {
    if (!(await lstat(path)).isFile()) return 'not-a-file';
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(path, { signal }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { bytes, sha256: hash.digest('hex') };
  } catch (error) {
    signal?.throwIfAborted();
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unreadable(path, error);
  }
}

/** A file or directory of the incident that exists but cannot be read: bad input, not a mismatch. */
export function unreadable(path: string, cause: unknown): IrError {
  return new IrError(`cannot read ${path}: ${messageOf(cause)}`, {
    code: 'EVIDENCE_UNREADABLE',
    source: 'input',
    hint: 'run ir as the user who owns the incident directory (it is owner-only)',
    cause,
  });
}
