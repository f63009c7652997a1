import { relative, sep } from 'node:path';

/** One evidence file as the manifest lists it. */
export interface EvidenceItem {
  /** Path relative to the incident directory, with forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
  /** UTC ISO times bracketing the capture. */
  startedAt: string;
  finishedAt: string;
  /** The engine or AWS call that produced it, e.g. `GET /containers/{id}/export`. */
  source: string;
  /** True when the capture stopped early: the file holds less than it should. */
  partial?: boolean;
  note?: string;
  /**
   * Set on a partial file kept aside by `ir resume`: the path of the file the
   * retry captured afresh. Once that one is whole, this one does not make the
   * bundle incomplete.
   */
  replacedBy?: string;
  /** True when the file may hold secret values: handle it like the secrets themselves. */
  secret?: boolean;
}

/** Something that should have been captured and was not, with why. */
export interface MissingEvidence {
  what: string;
  reason: string;
}

/** An evidence file's path as the manifest writes it: relative, forward slashes. */
export function evidencePath(incidentDir: string, absolutePath: string): string {
  return relative(incidentDir, absolutePath).split(sep).join('/');
}
