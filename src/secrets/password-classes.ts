/**
 * GetRandomPassword is asked for at least one character of every type it
 * includes (RequireEachIncludedType): runbook constraints that rule a type
 * out, or leave too few characters, are refused before any call is made.
 */
import { IrError } from '../errors.js';
import type { PasswordConstraints } from './secrets-api.js';

const TYPES: { name: string; chars: string; punctuation?: boolean }[] = [
  { name: 'upper-case letters', chars: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' },
  { name: 'lower-case letters', chars: 'abcdefghijklmnopqrstuvwxyz' },
  { name: 'digits', chars: '0123456789' },
  { name: 'punctuation marks', chars: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', punctuation: true },
];
// As many as a Swarm secret needs, so one runbook's constraints mean the same in both stores.
export const FEWEST_CHARACTERS = 10;

/** Every character a value may be drawn from under these constraints (GetRandomPassword's own set). */
export function alphabetOf(constraints: PasswordConstraints): string[] {
  const excluded = new Set(constraints.excludeCharacters ?? '');
  return TYPES.filter((type) => !type.punctuation || !constraints.excludePunctuation)
    .flatMap((type) => [...type.chars].filter((char) => !excluded.has(char)));
}

/** Refuses constraints GetRandomPassword could not satisfy, or that leave a guessable alphabet. */
export function checkPasswordConstraints(secretId: string, constraints: PasswordConstraints): void {
  const excluded = new Set(constraints.excludeCharacters ?? '');
  const types = TYPES.filter((type) => !type.punctuation || !constraints.excludePunctuation);
  const left = types.map((type) => ({
    ...type, left: [...type.chars].filter((char) => !excluded.has(char)),
  }));
  const emptied = left.filter((type) => type.left.length === 0).map((type) => type.name);
  if (emptied.length > 0) {
    throw tooFew(secretId, `excludeCharacters removes every one of the ${emptied.join(' and ')}, ` +
      'and GetRandomPassword needs one of each type it includes');
  }
  const size = left.reduce((sum, type) => sum + type.left.length, 0);
  if (size < FEWEST_CHARACTERS) {
    const why = `excludeCharacters leaves ${size} characters, fewer than ${FEWEST_CHARACTERS}`;
    throw tooFew(secretId, why);
  }
}

function tooFew(secretId: string, why: string): IrError {
  return new IrError(`cannot generate a value for secret "${secretId}": ${why}`, {
    code: 'PASSWORD_ALPHABET_TOO_SMALL',
    source: 'input',
    hint: "exclude fewer characters in the rotate-secret step, or set 'punctuation: true'",
  });
}
