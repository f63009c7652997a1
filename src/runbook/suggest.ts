import { closest, distance } from 'fastest-levenshtein';

/** " (did you mean 'x'?)" when a known word is close to what was typed, else "". */
export function suggest(typed: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const best = closest(typed, [...known]);
  const close = distance(typed, best) <= Math.max(2, Math.floor(best.length / 3));
  return close ? ` (did you mean '${best}'?)` : '';
}
