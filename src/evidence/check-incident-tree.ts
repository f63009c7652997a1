/**
 * What the walk of an incident directory must not find: files and directories
 * the manifest does not account for, and symbolic links, which are never
 * followed, so nothing reached through one counts as verified.
 */
import { SEAL_FILES, type IncidentEntry, type SealedManifest } from './incident-files.js';
import type { VerifyProblem } from './verify-bundle.js';

/** One problem per entry the manifest does not account for, and per symbolic link. */
export function findUnaccounted(
  entries: IncidentEntry[], manifest: SealedManifest,
): VerifyProblem[] {
  const listed = new Set([...manifest.items.map((item) => item.path), ...SEAL_FILES]);
  const dirs = new Set([...[...listed].flatMap(ancestorsOf), ...layoutDirs(manifest)]);
  return entries.flatMap((entry): VerifyProblem[] => {
    if (entry.kind === 'symlink') return [linkProblem(entry)];
    if (entry.kind === 'directory') {
      return dirs.has(entry.path) ? [] : [extra(entry.path, 'a directory no item is in')];
    }
    if (listed.has(entry.path)) return [];
    const what = entry.kind === 'file' ? '' : ', and not a regular file';
    return [extra(entry.path, `not in the manifest${what}`)];
  });
}

/** The symbolic link at `path` or above it, if any: what lies behind one is not the incident's. */
export function linkOnPath(path: string, entries: IncidentEntry[]): IncidentEntry | undefined {
  const under = (link: string): boolean => path === link || path.startsWith(`${link}/`);
  return entries.find((entry) => entry.kind === 'symlink' && under(entry.path));
}

/** The folders capture writes into under the container's directory (src/steps/capture*.ts). */
const CAPTURE_DIRS = ['logs', 'mounts', 'engine-files'];

/**
 * Directories ir makes before it knows what they will hold, so they may be
 * empty: the container's own at the start of every incident, and its capture
 * folders once a capture starts (one that is then skipped or fails with
 * nothing saved is listed as missing and leaves its folder empty).
 */
function layoutDirs(manifest: SealedManifest): string[] {
  const container = manifest.target?.container;
  if (container === undefined) return ['evidence'];
  const own = `evidence/${container}`;
  return ['evidence', own, ...CAPTURE_DIRS.map((name) => `${own}/${name}`)];
}

function ancestorsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

function linkProblem(entry: IncidentEntry): VerifyProblem {
  return {
    kind: 'symlink',
    path: entry.path,
    detail: `links to ${JSON.stringify(entry.target ?? '')}; ir never follows links in an incident`,
  };
}

function extra(path: string, detail: string): VerifyProblem {
  return { kind: 'extra', path, detail };
}
