/**
 * Reads the new secret value of a 'supply' rotation from --secret-value-file
 * (or standard input), for `ir contain` and `ir resume` alike. The bytes are
 * stored as given or refused: never silently changed into something else.
 */
import { readFile } from 'node:fs/promises';
import { IrError } from '../errors.js';

const UNREADABLE_HINT: Record<string, string> = {
  ENOENT: 'check the path: the file does not exist (use - to read the value from standard input)',
  EACCES: 'run ir as a user who may read the file, or pipe the value in with --secret-value-file -',
  EISDIR: 'name the file that holds the value, not its directory',
};

/** The value in `file` ('-' for standard input), one final newline dropped. */
export async function readSecretFile(file: string): Promise<string> {
  const value = decodeValue(await readBytes(file), file).replace(/\r?\n$/, '');
  if (value.trim().length === 0) {
    throw new IrError(`--secret-value-file ${file} is empty or only white space`, {
      code: 'SECRET_FILE_EMPTY',
      source: 'input',
      hint: 'put the new credential in the file (one final newline is dropped)',
    });
  }
  return value;
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    // '-': standard input, so a script can pipe the value without it touching the disk.
    return file === '-' ? await readStdin() : await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new IrError(`cannot read --secret-value-file ${file}: ${code}`, {
      code: 'SECRET_FILE_UNREADABLE',
      source: 'input',
      hint: UNREADABLE_HINT[code] ?? 'check that the file exists and that ir may read it',
    });
  }
}

/** Text, or a refusal: a replacement character or a NUL would store a credential nobody issued. */
function decodeValue(bytes: Buffer, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw notText(file, 'is not valid UTF-8 text');
  }
  if (text.includes('\0')) throw notText(file, 'holds a NUL character');
  return text;
}

function notText(file: string, what: string): IrError {
  return new IrError(`--secret-value-file ${file} ${what}; it would not be stored as given`, {
    code: 'SECRET_FILE_NOT_TEXT',
    source: 'input',
    hint: 'write the credential as UTF-8 text (base64 it first if it is binary) and supply that',
  });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
