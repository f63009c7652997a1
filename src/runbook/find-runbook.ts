import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IrError } from '../errors.js';
import { pathExists } from '../evidence/hashed-file.js';
import { SHIPPED_RUNBOOKS } from '../version.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The file for `ir contain <name>`: ./runbooks/<name>.yaml if the operator has
 * one, else the runbook shipped with ir. --runbook FILE bypasses this.
 */
export async function findRunbook(name: string): Promise<string> {
  if (!NAME.test(name)) {
    throw new IrError(`'${name}' is not a runbook name`, {
      code: 'RUNBOOK_NOT_FOUND',
      source: 'input',
      hint: 'give a name such as autotrader, or a file with --runbook FILE',
    });
  }
  const candidates = [
    ...new Set([resolve('runbooks', `${name}.yaml`), join(fileURLToPath(SHIPPED_RUNBOOKS), `${name}.yaml`)]),
  ];
  for (const file of candidates) {
    if (await pathExists(file)) return file;
  }
  throw new IrError(`no runbook named '${name}' (looked for ${candidates.join(' and ')})`, {
    code: 'RUNBOOK_NOT_FOUND',
    source: 'input',
    hint: 'check the name, or pass a file with --runbook FILE',
  });
}
