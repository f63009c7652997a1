/**
 * A random value made on this machine, for stores without a generator of their
 * own (a Swarm secret): each character drawn uniformly with the OS's CSPRNG.
 */
import { randomInt } from 'node:crypto';
import { IrError } from '../errors.js';
import { alphabetOf, FEWEST_CHARACTERS } from './password-classes.js';
import type { PasswordConstraints } from './secrets-api.js';

/** The same characters GetRandomPassword draws from, so both stores honour the same runbook keys alike. */
export function generateLocalPassword(constraints: PasswordConstraints): string {
  const alphabet = alphabetOf(constraints);
  if (alphabet.length < FEWEST_CHARACTERS) {
    throw new IrError(`excludeCharacters leaves fewer than ${FEWEST_CHARACTERS} characters to draw a secret from`, {
      code: 'PASSWORD_ALPHABET_TOO_SMALL',
      source: 'input',
      hint: "exclude fewer characters, or set 'punctuation: true'",
    });
  }
  return Array.from({ length: constraints.length }, () => alphabet[randomInt(alphabet.length)]).join('');
}
