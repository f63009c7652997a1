import { readFileSync } from 'node:fs';

/** The version in package.json, recorded in every manifest. */
export const IR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The directory of runbooks shipped with `ir`. */
export const SHIPPED_RUNBOOKS = new URL('../runbooks/', import.meta.url);
