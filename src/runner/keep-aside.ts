/**
 * Before `ir resume` retries a step, what its earlier attempt left in the
 * evidence directory is moved out of the way, never deleted: into
 * `interrupted-<n>/` beside it, still listed in the manifest. A file that was
 * whole stays whole under its new path; one that was partial, or that no
 * manifest listed (ir died while writing it), is listed as partial with a
 * `.partial` suffix, so a half-written tar is not paired with its index.
 */
import { readdir, rename } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { EvidenceBundle } from '../evidence/evidence-bundle.js';
import { makePrivateDir, pathExists } from '../evidence/hashed-file.js';
import { hashRegularFile } from '../evidence/incident-files.js';
import { evidencePath, type EvidenceItem } from '../evidence/item.js';
import type { StepKind } from '../runbook/schema.js';

/** isolate's one file; capture writes everything else in the container's evidence directory. */
const ISOLATE_FILE = 'networks.json';

export interface KeptAside {
  from: string;
  to: string;
  partial: boolean;
}

/** The kinds of the steps about to be retried, and of those that finished before ir stopped. */
export interface StepKinds {
  retried: StepKind[];
  done: StepKind[];
}

/**
 * Moves what the steps about to be retried would write again, and what no
 * sealed manifest vouches for. A file a finished step wrote (synced before
 * the step ended) that no manifest listed yet, because ir stopped before the
 * next seal, is listed where it is, whole.
 */
export async function keepAside(bundle: EvidenceBundle, evidenceDir: string, kinds: StepKinds): Promise<KeptAside[]> {
  const listed = bundle.listItems();
  const asideDir = await freeAsideDir(evidenceDir);
  const moved: KeptAside[] = [];
  for (const file of await listFiles(evidenceDir)) {
    const path = evidencePath(bundle.incidentDir, file);
    const item = listed.get(path);
    const writtenBy = (list: StepKind[]) => list.some((kind) => writes(kind, evidenceDir, file));
    if (item && !item.partial && !writtenBy(kinds.retried)) continue;
    if (!item && writtenBy(kinds.done) && !writtenBy(kinds.retried)) await listInPlace(bundle, file, path);
    else moved.push(await moveOne(bundle, { file, path, item, asideDir, evidenceDir }));
  }
  return moved;
}

async function listInPlace(bundle: EvidenceBundle, file: string, path: string): Promise<void> {
  const hashed = await hashRegularFile(file);
  if (!hashed || hashed === 'not-a-file') return;
  const now = new Date().toISOString();
  bundle.add({
    path, ...hashed, startedAt: now, finishedAt: now, source: 'written by a step that finished before ir stopped',
    note: 'listed by ir resume: the step synced it to disk before it finished, but ir stopped before the next seal',
  });
}

function writes(kind: StepKind, evidenceDir: string, file: string): boolean {
  const isIsolateFile = dirname(file) === evidenceDir && basename(file) === ISOLATE_FILE;
  if (kind === 'isolate') return isIsolateFile;
  return kind === 'capture' && !isIsolateFile;
}

interface MoveJob {
  file: string;
  path: string;
  item?: EvidenceItem;
  asideDir: string;
  evidenceDir: string;
}

async function moveOne(bundle: EvidenceBundle, job: MoveJob): Promise<KeptAside> {
  const partial = !job.item || Boolean(job.item.partial);
  const target = join(job.asideDir, relative(job.evidenceDir, job.file) + (partial ? '.partial' : ''));
  await makePrivateDir(dirname(target));
  await rename(job.file, target);
  const to = evidencePath(bundle.incidentDir, target);
  const why = 'kept aside by ir resume before the step was retried';
  if (job.item) {
    bundle.moveItem(job.path, to, { note: appendNote(job.item.note, why), ...(partial ? { replacedBy: job.path } : {}) });
  } else {
    const hashed = await hashRegularFile(target);
    if (hashed && hashed !== 'not-a-file') {
      const now = new Date().toISOString();
      bundle.add({
        path: to, ...hashed, startedAt: now, finishedAt: now, partial: true, replacedBy: job.path,
        source: 'left by a run of ir that stopped while writing it', note: `${why}; it may be cut short`,
      });
    }
  }
  return { from: job.path, to, partial };
}

function appendNote(first: string | undefined, second: string): string {
  return first ? `${first}; ${second}` : second;
}

/** Files under `dir`, skipping earlier `interrupted-<n>` directories. */
async function listFiles(dir: string): Promise<string[]> {
  if (!(await pathExists(dir))) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath, entry.name);
    if (!entry.isFile() || /(^|\/)interrupted-\d+(\/|$)/.test(relative(dir, full))) continue;
    out.push(full);
  }
  return out.sort();
}

async function freeAsideDir(evidenceDir: string): Promise<string> {
  for (let n = 1; ; n += 1) {
    const dir = join(evidenceDir, `interrupted-${n}`);
    if (!(await pathExists(dir))) return dir;
  }
}
