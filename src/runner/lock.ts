/**
 * One `ir` at a time per container. A lock is a small JSON file created with
 * O_EXCL under `<evidence dir>/.locks/`, named after the engine's id and the
 * container's id, holding who took it. A lock whose process is gone (same
 * host, no such pid) is taken over; one held elsewhere or by a live process
 * is refused with the holder's details.
 */
import { open, readFile, rename, rm, link } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Actor } from '../audit/chain.js';
import { IrError } from '../errors.js';
import { makePrivateDir, syncFile } from '../evidence/hashed-file.js';

export const LOCKS_DIR = '.locks';

/** What a lock file says about its holder. */
export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  incident: string;
  since: string;
  engineId: string;
  containerId: string;
}

/** A lock this process holds, and the stale one it replaced, if any. */
export interface HeldLock {
  path: string;
  takenOver?: LockHolder;
  release(): Promise<void>;
}

export interface LockRequest {
  evidenceDir: string;
  engineId: string;
  containerId: string;
  incident: string;
  actor: Actor;
}

/** Takes the container's lock, taking over a stale one once; refuses a live holder. */
export async function takeLock(request: LockRequest): Promise<HeldLock> {
  const dir = join(resolve(request.evidenceDir), LOCKS_DIR);
  await makePrivateDir(dir);
  const path = join(dir, `${safe(request.engineId)}-${safe(request.containerId)}.lock`);
  const holder: LockHolder = {
    user: request.actor.user, host: request.actor.host, pid: process.pid, incident: request.incident,
    since: new Date().toISOString(), engineId: request.engineId, containerId: request.containerId,
  };
  if (await createLock(path, holder)) return held(path);
  const existing = await readHolder(path);
  if (!existing) throw unreadableLock(path);
  if (isAlive(existing)) throw lockHeld(existing, path);
  const stale = await moveStaleAside(path, existing);
  if (stale && (await createLock(path, holder))) return held(path, stale);
  const now = await readHolder(path);
  throw now ? lockHeld(now, path) : unreadableLock(path);
}

/** A lock taken over from a process that is gone goes into the trail, holder and all. */
export async function recordLockTakeover(audit: AuditTrail, lock: HeldLock | undefined): Promise<void> {
  if (!lock?.takenOver) return;
  await audit.append('lock.taken-over', 'info', { lock: lock.path, staleHolder: lock.takenOver });
}

function held(path: string, takenOver?: LockHolder): HeldLock {
  return { path, takenOver, release: () => releaseLock(path) };
}

async function releaseLock(path: string): Promise<void> {
  const holder = await readHolder(path);
  if (holder?.pid !== process.pid) return;
  await rm(path, { force: true });
}

/**
 * Exactly one process can make the lock: the holder is written to a file of
 * its own first, then linked into place, which fails if a lock is there. A
 * lock is so never seen empty, even by a run that starts while it is written
 * or after a crash in the middle of writing it.
 */
async function createLock(path: string, holder: LockHolder): Promise<boolean> {
  const draft = `${path}.${process.pid}.draft`;
  const handle = await open(draft, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(holder, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(draft, { force: true });
  }
  // The directory entry too: a lock that vanishes in a crash would let a second run in.
  await syncFile(join(path, '..'));
  return true;
}

/**
 * Renames the stale lock away (only one racing process wins the rename). If
 * what it moved is not the stale lock it read, another process has meanwhile
 * taken the lock: the file is linked back, which fails rather than overwrite.
 */
async function moveStaleAside(path: string, stale: LockHolder): Promise<LockHolder | undefined> {
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const moved = await readHolder(aside);
  if (!moved || moved.pid !== stale.pid || moved.since !== stale.since) {
    await link(aside, path).catch(() => undefined);
    await rm(aside, { force: true });
    return undefined;
  }
  await rm(aside, { force: true });
  return stale;
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    // Absent, or cut short by a crash while it was written: nothing to name.
    return undefined;
  }
}

/** A holder on another host cannot be checked, so it counts as alive. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockHeld(holder: LockHolder, path: string): IrError {
  return new IrError(`container ${holder.containerId.slice(0, 12)} is locked by incident ${holder.incident}: ` +
    `${holder.user}@${holder.host}, pid ${holder.pid}, since ${holder.since}`, {
    code: 'CONTAINER_LOCKED',
    source: 'environment',
    hint: `wait for that run to finish; if it is gone on another host, remove ${path}`,
  });
}

/** A lock file cut short (a crash while it was written, or a write happening now). */
function unreadableLock(path: string): IrError {
  return new IrError(`the container's lock ${path} cannot be read`, {
    code: 'CONTAINER_LOCKED',
    source: 'environment',
    hint: 'if no other ir is running on this container, remove the file and run again',
  });
}

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, '_') || 'unknown';
}
