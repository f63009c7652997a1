/**
 * Checks a captured tar against the index written while it was captured:
 * entry by entry, in order, the same description the capture recorded.
 * Both files are streamed, so memory stays flat however big the tar.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeTarEntry, type TarIndexEntry } from './tar-entry.js';
import { readTarFile, TarReadError } from './read-tar-file.js';

/** The outcome of comparing one tar with its index. */
export interface TarIndexCheck {
  /** Entries read from the tar. */
  entries: number;
  /** The first disagreement, naming the entry by path; absent when tar and index agree. */
  mismatch?: string;
  /** Why the tar cannot be read past `entries` when every entry before that agreed with the index. */
  stoppedEarly?: string;
}

/** The fields compared, in the order a difference is reported. */
const FIELDS = [
  'path', 'pathBase64', 'type', 'size', 'sha256', 'linkname', 'linknameBase64', 'mode', 'uid', 'gid', 'mtime',
] as const;

/** Compares the tar at `tarPath` with the JSON-lines index at `indexPath`, line for line. */
export async function checkTarIndex(
  tarPath: string, indexPath: string, signal?: AbortSignal,
): Promise<TarIndexCheck> {
  const input = createReadStream(indexPath);
  const reader = createInterface({ input, crlfDelay: Infinity });
  const lines = reader[Symbol.asyncIterator]();
  let entries = 0;
  let mismatch: string | undefined;
  try {
    await readTarFile(tarPath, async (entry) => {
      const actual = await describeTarEntry(entry);
      entries++;
      const line = await lines.next();
      mismatch = line.done
        ? `entry ${entries} (${printable(actual.path)}) is not in the index, which ends after ${entries - 1} lines`
        : compareWithLine(actual, line.value, entries);
      return mismatch === undefined;
    }, { rawNames: true, signal });
  } catch (error) {
    if (!(error instanceof TarReadError)) throw error;
    const extra = await lines.next();
    if (!extra.done) {
      return { entries, mismatch: `the tar cannot be read past entry ${entries} (${error.message}), but the index lists more` };
    }
    return { entries, stoppedEarly: error.message };
  } finally {
    reader.close();
    input.destroy();
  }
  return mismatch ? { entries, mismatch } : { entries, mismatch: await leftoverLine(lines, entries) };
}

async function leftoverLine(lines: AsyncIterator<string>, entries: number): Promise<string | undefined> {
  const extra = await lines.next();
  if (extra.done) return undefined;
  const path = printable(parseLine(extra.value)?.path ?? 'unparseable');
  return `index line ${entries + 1} (${path}) has no entry: the tar ends after ${entries} entries`;
}

function compareWithLine(actual: TarIndexEntry, line: string, lineNumber: number): string | undefined {
  const recorded = parseLine(line);
  if (!recorded) return `index line ${lineNumber} is not a JSON object (tar entry ${printable(actual.path)})`;
  const field = FIELDS.find((name) => actual[name] !== recorded[name]);
  if (!field) return undefined;
  return `entry ${printable(actual.path)} (index line ${lineNumber}): ${field} is ${show(actual[field])} in the tar, ` +
    `${show(recorded[field])} in the index`;
}

function parseLine(line: string): Partial<TarIndexEntry> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Partial<TarIndexEntry> : undefined;
  } catch {
    return undefined;
  }
}

/** A name with its control characters escaped: a newline in a hostile name must not forge a line of the report. */
function printable(path: unknown): string {
  const text = typeof path === 'string' ? path : JSON.stringify(path);
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => JSON.stringify(char).slice(1, -1));
}

function show(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}
