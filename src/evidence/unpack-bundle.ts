/**
 * Unpacks a bundle from `ir evidence pack` into a fresh private temporary
 * directory so it can be verified. A bundle may come from anywhere, so only
 * plain files and directories with paths that stay inside are accepted.
 */
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { firstLineOf, IrError, messageOf } from '../errors.js';
import { whileInterruptible } from '../interrupt.js';
import { DIR_MODE, FILE_MODE } from './hashed-file.js';
import { readTarFile, TarReadError, type TarEntry, type TarReadFailure } from './read-tar-file.js';

/**
 * Unpacks `bundlePath` into a new temporary directory, hands it to `use`, and
 * removes it afterwards whatever happens, Ctrl-C and SIGTERM included (then
 * an `interrupted` IrError, exit 130). Refuses (IrError, exit 2) a bundle
 * with an unsafe entry, or one that is truncated or not a tar.
 */
export async function withUnpackedBundle<T>(
  bundlePath: string, use: (dir: string, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // Listening starts before the directory exists, so no signal can leave it behind.
  return whileInterruptible(async (signal) => {
    const dir = await makeTempDir();
    try {
      await unpackInto(bundlePath, dir, signal);
      return await use(dir, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/** mkdtemp creates the directory 0700 with a name no one else can predict. */
async function makeTempDir(): Promise<string> {
  const parent = tmpdir();
  try {
    return await mkdtemp(join(parent, 'ir-bundle-'));
  } catch (error) {
    throw new IrError(`cannot create a temporary directory in ${parent}: ${firstLineOf(error)}`, {
      code: 'TMPDIR_UNUSABLE',
      source: 'environment',
      hint: 'set TMPDIR to a writable directory with room for the unpacked bundle',
      cause: error,
    });
  }
}

const RECOPY = 'copy the bundle again and check it against its .sha256 ' +
  "(sha256sum -c, in the bundle's directory)";

/** How each kind of unreadable tar is reported: words after the bundle's name, code, hint. */
const TAR_FAILURES: Record<TarReadFailure, { what: string; code: string; hint: string }> = {
  'truncated': { what: 'is truncated', code: 'BUNDLE_TRUNCATED', hint: RECOPY },
  'not-a-tar': {
    what: 'is not a tar archive', code: 'BUNDLE_NOT_TAR',
    hint: 'name a bundle .tar written by ir evidence pack (uncompress a compressed copy first)',
  },
  'corrupt': { what: 'is not a readable tar', code: 'BUNDLE_INVALID', hint: RECOPY },
};

async function unpackInto(bundlePath: string, dir: string, signal: AbortSignal): Promise<void> {
  try {
    const write = (entry: TarEntry): Promise<void> => writeEntry(bundlePath, dir, entry, signal);
    await readTarFile(bundlePath, write, { signal });
  } catch (error) {
    if (!(error instanceof TarReadError)) throw error;
    const { what, code, hint } = TAR_FAILURES[error.failure];
    const detail = error.failure === 'not-a-tar' ? '' : `: ${error.message}`;
    throw new IrError(`${bundlePath} ${what}${detail}`, { code, source: 'input', hint });
  }
}

async function writeEntry(
  bundlePath: string, dir: string, entry: TarEntry, signal: AbortSignal,
): Promise<void> {
  const { name, type } = entry.header;
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  const refusal = refusalFor(name, parts, type);
  if (refusal) throw unsafeEntry(bundlePath, name, refusal);
  const target = join(dir, ...parts);
  const fsStep = <T>(step: () => Promise<T>): Promise<T> => step().catch((error: unknown) => {
    throw conflicting(bundlePath, name, error);
  });
  if (type === 'directory') {
    await fsStep(() => mkdir(target, { recursive: true, mode: DIR_MODE }));
    entry.resume();
    return;
  }
  await fsStep(() => mkdir(dirname(target), { recursive: true, mode: DIR_MODE }));
  // 'wx': a repeated entry fails instead of overwriting what an earlier one wrote.
  const handle = await fsStep(() => open(target, 'wx', FILE_MODE));
  try {
    for await (const chunk of entry) {
      signal.throwIfAborted();
      await fsStep(() => handle.write(chunk as Buffer));
    }
  } finally {
    await handle.close();
  }
}

/** Why an entry may not be unpacked, or undefined when it may. */
function refusalFor(name: string, parts: string[], type: string | null): string | undefined {
  if (name.startsWith('/')) return 'an absolute path';
  if (parts.includes('..')) return 'a ".." component, which could write outside the bundle';
  if (type === 'symlink' || type === 'link') return 'a link: a bundle from ir evidence pack holds plain files only';
  if (type === 'character-device' || type === 'block-device' || type === 'fifo') return 'a device or FIFO';
  if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory') {
    return `an unsupported entry type (${type ?? 'unknown'})`;
  }
  if (parts.length === 0 && type !== 'directory') return 'an empty name';
  return undefined;
}

function unsafeEntry(bundlePath: string, name: string, why: string): IrError {
  return new IrError(`${bundlePath}: refused entry ${JSON.stringify(name)}: ${why}`, {
    code: 'BUNDLE_UNSAFE_ENTRY',
    source: 'input',
    hint: 'this is not a bundle written by ir evidence pack, or it was altered; do not extract it with tar either',
  });
}

function conflicting(bundlePath: string, name: string, error: unknown): IrError {
  const code = (error as NodeJS.ErrnoException).code;
  // A repeated name, or a file where a directory should be, means a hand-made or altered bundle.
  const clash = code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR';
  return new IrError(`${bundlePath}: cannot unpack entry ${JSON.stringify(name)}: ${messageOf(error)}`, {
    code: clash ? 'BUNDLE_INVALID' : 'BUNDLE_UNPACK_FAILED',
    source: clash ? 'input' : 'environment',
    hint: clash ? 'the bundle repeats or nests an entry; it was not written by ir evidence pack'
      : 'check free space in the temporary directory (TMPDIR)',
    cause: error,
  });
}
