/**
 * Packs an incident directory into one tar that anyone can verify: the
 * manifest first, then every other file in a fixed order with normalised
 * headers, so packing the same directory twice gives the same bytes.
 */
import { createReadStream } from 'node:fs';
import { lstat, rename, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Pack } from 'tar-stream';
import { writeChunk } from '../docker/stream-frames.js';
import { ExitCode, IrError, messageOf } from '../errors.js';
import { pathExists, writeHashedFile, writeSynced } from './hashed-file.js';
import { listIncidentFiles, MANIFEST_FILE, readManifest, type IncidentEntry } from './incident-files.js';
import { verifyIncidentDir } from './verify-bundle.js';

/** What `ir evidence pack` wrote. */
export interface PackedBundle {
  /** The bundle tar, owner-only. */
  output: string;
  /** `<output>.sha256`, in the format `sha256sum -c` reads. */
  checksumFile: string;
  bytes: number;
  sha256: string;
  /** Regular files in the bundle (directories not counted). */
  files: number;
}

/** Header modes in the bundle: owner-only like the incident directory, whatever the local umask made. */
const BUNDLE_FILE_MODE = 0o600;
const BUNDLE_DIR_MODE = 0o700;

/** Packs `dir` into `output` (default `<dir>.tar`) and writes `<output>.sha256` beside it. Refuses to overwrite either. */
export async function packIncident(dir: string, output?: string): Promise<PackedBundle> {
  const manifest = await readManifest(dir);
  await refuseUnverified(dir);
  const target = resolve(output ?? `${resolve(dir)}.tar`);
  const checksumFile = `${target}.sha256`;
  await checkOutput(dir, target, checksumFile);
  const entries = await bundleEntries(dir);
  // Same directory, same bytes: the time in every header is the seal's, not the clock's.
  const mtime = new Date(manifest.writtenAt);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    const archive = pack();
    const [added, written] = await Promise.allSettled([
      addEntries(archive, dir, entries, mtime),
      writeHashedFile(temp, Readable.from(archive)),
    ]);
    if (added.status === 'rejected' && !(added.reason instanceof ArchiveClosed)) throw added.reason;
    if (written.status === 'rejected') throw writeFailed(target, written.reason);
    await writeSynced(checksumFile, `${written.value.sha256}  ${basename(target)}\n`, 'wx');
    await rename(temp, target);
    const files = entries.filter((entry) => entry.kind === 'file').length;
    return { output: target, checksumFile, ...written.value, files };
  } finally {
    await rm(temp, { force: true });
  }
}

/** A bundle vouches for its contents: never seal up evidence that no longer matches its manifest. */
async function refuseUnverified(dir: string): Promise<void> {
  const report = await verifyIncidentDir(dir);
  if (report.ok) return;
  const first = report.problems[0]!;
  throw new IrError(`refusing to pack ${dir}: ${report.problems.length} verification problem(s), first ${first.kind}: ${first.path}`, {
    code: 'PACK_UNVERIFIED',
    source: 'input',
    exitCode: ExitCode.stepFailed,
    hint: 'run ir evidence verify on it to see every problem',
  });
}

async function checkOutput(dir: string, target: string, checksumFile: string): Promise<void> {
  const inside = relative(resolve(dir), target);
  if (!inside.startsWith('..') && !isAbsolute(inside)) {
    throw new IrError(`${target} is inside the incident directory it would pack`, {
      code: 'BUNDLE_OUTPUT_INSIDE', source: 'input', hint: 'write the bundle beside the incident directory (the default)',
    });
  }
  for (const path of [target, checksumFile]) {
    if (await pathExists(path)) {
      throw new IrError(`${path} already exists`, {
        code: 'BUNDLE_EXISTS', source: 'input', hint: 'choose another file with --output, or move the old bundle away',
      });
    }
  }
}

/** manifest.json first, so a reader meets the table of contents before the evidence; the rest in sorted order. */
async function bundleEntries(dir: string): Promise<IncidentEntry[]> {
  const entries = await listIncidentFiles(dir);
  const odd = entries.find((entry) => entry.kind !== 'file' && entry.kind !== 'directory');
  if (odd) {
    throw new IrError(`${join(dir, odd.path)} is not a regular file or directory`, {
      code: 'INCIDENT_UNPACKABLE', source: 'input',
      hint: 'an incident written by ir holds only files and directories; find out who added this link or device',
    });
  }
  const manifest = entries.filter((entry) => entry.path === MANIFEST_FILE);
  return [...manifest, ...entries.filter((entry) => entry.path !== MANIFEST_FILE)];
}

/** The writer stopped (disk full, say) and took the archive down: its error is the one to report. */
class ArchiveClosed extends Error {}

/** Adds every entry in order, streaming file contents; ends the archive, or destroys it on failure. */
async function addEntries(archive: Pack, dir: string, entries: IncidentEntry[], mtime: Date): Promise<void> {
  for (const entry of entries) {
    try {
      await addEntry(archive, dir, entry, mtime);
    } catch (error) {
      if (archive.destroying) throw new ArchiveClosed(messageOf(error));
      archive.destroy(error instanceof Error ? error : new Error(messageOf(error)));
      throw new IrError(`cannot pack ${join(dir, entry.path)}: ${messageOf(error)}`, {
        code: 'INCIDENT_UNREADABLE', source: 'input', cause: error,
        hint: 'run ir as the owner of the incident directory; nothing may change in it while it is packed',
      });
    }
  }
  archive.finalize();
}

async function addEntry(archive: Pack, dir: string, entry: IncidentEntry, mtime: Date): Promise<void> {
  const common = { uid: 0, gid: 0, uname: '', gname: '', mtime };
  const added = entryCallback();
  if (entry.kind === 'directory') {
    archive.entry({ ...common, name: `${entry.path}/`, type: 'directory', mode: BUNDLE_DIR_MODE }, added.callback);
    return added.done;
  }
  const path = join(dir, entry.path);
  const { size } = await lstat(path);
  const sink = archive.entry({ ...common, name: entry.path, type: 'file', mode: BUNDLE_FILE_MODE, size }, added.callback);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) await writeChunk(sink, chunk);
  sink.end(null);
  return added.done;
}

/** tar-stream reports an entry's end through a callback; this makes it a promise that never goes unhandled. */
function entryCallback(): { callback: (error?: Error | null) => void; done: Promise<void> } {
  let callback!: (error?: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => {
    callback = (error) => (error ? reject(error) : resolve());
  });
  // A read error may abandon the entry before `done` is awaited; the archive's destruction reports it then.
  done.catch(() => undefined);
  return { callback, done };
}

function writeFailed(target: string, cause: unknown): IrError {
  return new IrError(`could not write ${target}: ${messageOf(cause)}`, {
    code: 'BUNDLE_WRITE_FAILED', source: 'environment', cause,
    hint: 'check that the directory exists, is writable and has space',
  });
}
