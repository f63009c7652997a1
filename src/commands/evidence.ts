import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ExitCode, IrError, messageOf } from '../errors.js';
import { packIncident } from '../evidence/pack-bundle.js';
import { withUnpackedBundle } from '../evidence/unpack-bundle.js';
import { verifyIncidentDir, type VerifyReport } from '../evidence/verify-bundle.js';
import { Redactor } from '../redactor.js';
import { Output } from '../ui/output.js';

/** Exit code when verification ran and a check failed (README: 1 = a check failed). */
const CHECK_FAILED = ExitCode.stepFailed;

/** `ir evidence verify`: checks an incident directory, or a bundle tar unpacked privately. Returns the exit code. */
export async function verifyEvidence(target: string, options: { json: boolean }): Promise<number> {
  const bundle = (await kindOf(target)) === 'file';
  const report = bundle
    ? await withUnpackedBundle(target, (dir, signal) => verifyIncidentDir(dir, target, signal))
    : await verifyIncidentDir(target);
  const output = new Output(new Redactor(), { json: options.json, fancy: false });
  if (options.json) {
    output.json({ target, bundle, verdict: verdict(report), ...report });
  } else {
    for (const problem of report.problems) output.result(`${problem.kind}: ${problem.path}: ${problem.detail}`);
    for (const note of report.notes) output.result(`note: ${note}`);
    output.result(verdict(report));
  }
  return report.ok ? ExitCode.ok : CHECK_FAILED;
}

/** `ir evidence pack`: one reproducible tar of an incident and its `.sha256`. Returns the exit code. */
export async function packEvidence(dir: string, options: { output?: string; json: boolean }): Promise<number> {
  if ((await kindOf(dir)) !== 'directory') {
    throw new IrError(`${dir} is not a directory`, {
      code: 'NOT_AN_INCIDENT', source: 'input', hint: 'name an incident directory written by ir contain',
    });
  }
  const packed = await packIncident(dir, options.output);
  const output = new Output(new Redactor(), { json: options.json, fancy: false });
  if (options.json) output.json(packed);
  output.result(`packed ${packed.files} files into ${packed.output} (sha256 ${packed.sha256})`);
  output.result(`check it: cd ${dirname(packed.checksumFile)} && sha256sum -c ${basename(packed.checksumFile)}`);
  return ExitCode.ok;
}

/** One line saying whether the evidence holds and, either way, whether the capture was the whole story. */
export function verdict(report: VerifyReport): string {
  const checked = `${counted(report.files, 'file')} and ${counted(report.tarIndexes, 'tar index', 'tar indexes')}`;
  const head = report.ok
    ? `OK: ${checked} match the manifest of ${report.incident}`
    : `FAILED: ${counted(report.problems.length, 'problem')} in ${report.incident}: the evidence does not match its manifest`;
  if (report.complete) return head;
  const gaps = [
    ...report.partial.map((path) => `partial ${path}`),
    ...report.missing.map((gap) => `missing ${gap.what} (${gap.reason})`),
  ];
  return `${head}; INCOMPLETE: the capture was not the whole story${gaps.length ? `: ${gaps.join('; ')}` : ''}`;
}

function counted(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

async function kindOf(path: string): Promise<'file' | 'directory'> {
  const info = await stat(path).catch((error: unknown) => {
    throw new IrError(`cannot read ${path}: ${messageOf(error)}`, {
      code: 'EVIDENCE_NOT_FOUND', source: 'input', hint: 'name an incident directory or a bundle .tar from ir evidence pack',
    });
  });
  if (info.isDirectory()) return 'directory';
  if (info.isFile()) return 'file';
  throw new IrError(`${path} is neither a directory nor a file`, {
    code: 'NOT_AN_INCIDENT', source: 'input', hint: 'name an incident directory or a bundle .tar from ir evidence pack',
  });
}
