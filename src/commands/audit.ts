import { readTrailFile } from '../audit/read-trail.js';
import { formatTimeline, signatureLine, verdictLine } from '../audit/show.js';
import { loadPublicKey } from '../audit/sign.js';
import { verifyTrail, type TrailVerdict } from '../audit/verify-trail.js';
import { ExitCode } from '../errors.js';
import { Redactor } from '../redactor.js';
import { Output } from '../ui/output.js';

/** README's exit codes for `ir audit verify`. */
const VERIFY_EXIT: Record<TrailVerdict, number> = {
  valid: ExitCode.ok,
  broken: ExitCode.stepFailed,
  unsealed: ExitCode.unsealed,
};

/** `ir audit verify`: 0 valid and sealed, 1 broken or a seal mismatch, 4 intact but unsealed. */
export async function verifyAudit(dir: string, options: { publicKey?: string; json: boolean }): Promise<number> {
  const publicKey = options.publicKey ? await loadPublicKey(options.publicKey) : undefined;
  const report = await verifyTrail(dir, { publicKey });
  const output = new Output(new Redactor(), { json: options.json, fancy: false });
  if (options.json) {
    output.json({ directory: dir, ...report });
  } else {
    output.result(verdictLine(report));
    const signature = signatureLine(report);
    if (signature) output.result(signature);
    if (report.cutTail) output.result('note: the last line was cut mid-way (a crash during a write); it is not counted');
    for (const note of report.notes) output.result(`note: ${note}`);
  }
  return VERIFY_EXIT[report.verdict];
}

/**
 * `ir audit show`: the timeline, then the verdict of verify (without a key).
 * `--json` passes the records through as they are stored, as one array.
 */
export async function showAudit(dir: string, options: { json: boolean }): Promise<number> {
  const { entries, cutTail } = await readTrailFile(dir);
  // The trail was redacted as it was written; there is nothing left for a redactor here to know.
  const output = new Output(new Redactor(), { json: options.json, fancy: false });
  if (options.json) {
    output.json(entries.filter((entry) => entry !== undefined));
    return ExitCode.ok;
  }
  for (const line of formatTimeline(entries)) output.result(line);
  if (cutTail) output.result('(the last line was cut mid-way and is not shown)');
  output.result(verdictLine(await verifyTrail(dir)));
  return ExitCode.ok;
}
