import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, as a user runs it (npm test builds it first). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ir` with no terminal attached, as a script or pipeline would; `stdin` is piped in. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `ir-test-${prefix}-`));
}

/** The one incident directory under an evidence parent (the tests start each with an empty one). */
export async function onlyIncidentDir(parent: string): Promise<string> {
  const entries = await readdir(parent);
  if (entries.length !== 1) throw new Error(`expected one incident in ${parent}, found ${entries.join(', ')}`);
  return join(parent, entries[0]!);
}

/** Writes `dir/runbook.yaml`: isolate, capture and terminate on `container`, every parameter at its default. */
export async function writeContainRunbook(dir: string, container: string): Promise<string> {
  const file = join(dir, 'runbook.yaml');
  await writeFile(file, `name: contain\ntarget:\n  container: ${container}\nsteps:\n  - isolate: {}\n  - capture: {}\n  - terminate: {}\n`);
  return file;
}
