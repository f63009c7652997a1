import { createHash } from 'node:crypto';
import type { Actor } from '../audit/chain.js';
import type { AuditSeal } from '../audit/seal.js';
import type { EngineIdentity } from '../docker/engine-identity.js';
import type { EvidenceItem, MissingEvidence } from './item.js';

/** manifest.json: what the bundle holds, how each file was made, and what it lacks. */
export interface Manifest {
  incident: string;
  tool: { name: 'ir'; version: string };
  operator: Actor;
  target: { container: string; id?: string; image?: string; imageId?: string };
  /** The engine the evidence came from, once capture has asked it. */
  engine?: EngineIdentity;
  /** Images committed from the container before removal (capture's `snapshot: true`). */
  snapshots?: Snapshot[];
  writtenAt: string;
  /** True once a capture step finished without failures. */
  captured: boolean;
  /** False until capture finished, and while anything is partial or missing: the bundle is not the whole story. */
  complete: boolean;
  items: EvidenceItem[];
  missing: MissingEvidence[];
  /** Added last, once the incident's audit trail is sealed (see src/audit/seal.ts). */
  auditSeal?: AuditSeal;
}

export interface Snapshot {
  image: string;
  imageId: string;
  takenAt: string;
}

export type ManifestHead = Omit<Manifest, 'writtenAt' | 'captured' | 'complete' | 'items' | 'missing'>;

/** Builds the manifest with items in path order so two writes of the same bundle match. */
export function buildManifest(
  head: ManifestHead,
  items: EvidenceItem[],
  missing: MissingEvidence[],
  state: { captured: boolean; now: Date },
): Manifest {
  const sorted = [...items].sort((a, b) => a.path.localeCompare(b.path));
  // A partial file kept aside by ir resume no longer counts once the file captured afresh is whole.
  const wholePaths = new Set(sorted.filter((item) => !item.partial).map((item) => item.path));
  const replaced = (item: EvidenceItem) => item.replacedBy !== undefined && wholePaths.has(item.replacedBy);
  const allWhole = sorted.every((item) => !item.partial || replaced(item));
  const complete = state.captured && missing.length === 0 && allWhole;
  return { ...head, writtenAt: state.now.toISOString(), captured: state.captured, complete, items: sorted, missing };
}

/** SHA256SUMS in the format `sha256sum -c` reads: hash, two spaces, path. */
export function formatSha256Sums(items: EvidenceItem[]): string {
  return items.map((item) => `${item.sha256}  ${item.path}\n`).join('');
}

/** manifest.json's exact text: the audit trail records the SHA-256 of these bytes. */
export function manifestText(manifest: object): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** SHA-256 of a manifest's text, as `evidence.sealed` records it. */
export function manifestSha256(manifest: object): string {
  return createHash('sha256').update(manifestText(manifest)).digest('hex');
}
