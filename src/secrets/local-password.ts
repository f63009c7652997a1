/**
 * A random value made on this machine, for stores without a generator of their
 * own (a Swarm secret): each character drawn uniformly with the OS's CSPRNG.
 */
import { randomInt } from 'node:crypto';
import { IrError } from '../errors.js';
import type { PasswordConstraints } from './secrets-api.js';

const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// The punctuation GetRandomPassword draws from, so both stores honour the same runbook keys alike.
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export function generateLocalPassword(constraints: PasswordConstraints): string {
  const pool = LETTERS_AND_DIGITS + (constraints.excludePunctuation ? '' : PUNCTUATION);
  const excluded = new Set(constraints.excludeCharacters ?? '');
  const alphabet = [...pool].filter((char) => !excluded.has(char));
  if (alphabet.length < 10) {
    throw new IrError('excludeCharacters leaves fewer than 10 characters to draw a secret from', {
      code: 'PASSWORD_ALPHABET_TOO_SMALL',
      source: 'input',
      hint: "exclude fewer characters, or set 'punctuation: true'",
    });
  }
  return Array.from({ length: constraints.length }, () => alphabet[randomInt(alphabet.length)]).join('');
}
