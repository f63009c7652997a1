import { join } from 'node:path';
import type { AuditSeal } from '../audit/seal.js';
import type { EvidenceItem, MissingEvidence } from './item.js';
import type { EngineIdentity } from '../docker/engine-identity.js';
import type { Redactor } from '../redactor.js';
import {
  buildManifest, formatSha256Sums, manifestSha256, manifestText, type Manifest, type ManifestHead, type Snapshot,
} from './manifest.js';
import { markSecretMaterial } from './secret-material.js';
import { writeFileAtomic } from './write-atomic.js';

/**
 * The evidence of one incident as it is gathered. Steps add items and gaps;
 * `seal` writes manifest.json and SHA256SUMS from what was added.
 */
export class EvidenceBundle {
  private readonly items: EvidenceItem[] = [];
  private readonly missing: MissingEvidence[] = [];
  private captured = false;
  private lastSealed?: Manifest;
  private lastSha256?: string;
  /** Set by every change, so sealing an unchanged bundle again leaves manifest.json alone. */
  private changed = true;

  constructor(
    readonly incidentDir: string,
    private head: ManifestHead,
    private readonly redactor: Redactor,
  ) {}

  /** True once a capture finished without failures and so may be sealed as complete. */
  get isCaptured(): boolean {
    return this.captured;
  }

  /** Capture finished without failures; only then can the bundle be complete. */
  markCaptured(): void {
    this.captured = true;
    this.changed = true;
  }

  setEngine(engine: EngineIdentity): void {
    this.head = { ...this.head, engine };
    this.changed = true;
  }

  addSnapshot(snapshot: Snapshot): void {
    this.head = { ...this.head, snapshots: [...(this.head.snapshots ?? []), snapshot] };
    this.changed = true;
  }

  /**
   * Takes back what an earlier run of the incident sealed (`ir resume`): the
   * manifest on disk, which the audit trail's last `evidence.sealed` vouches for.
   */
  restore(manifest: Manifest): void {
    const { engine, snapshots } = manifest;
    this.head = { ...this.head, ...(engine ? { engine } : {}), ...(snapshots ? { snapshots } : {}) };
    this.items.push(...manifest.items);
    this.missing.push(...manifest.missing);
    this.captured = manifest.captured;
    this.changed = true;
  }

  /** The items listed so far, by path. */
  listItems(): ReadonlyMap<string, EvidenceItem> {
    return new Map(this.items.map((item) => [item.path, item]));
  }

  /** An item's file was moved (kept aside for a retry); `replacedBy` names the path a retry writes afresh. */
  moveItem(from: string, to: string, change: Pick<EvidenceItem, 'note' | 'replacedBy'>): void {
    const at = this.items.findIndex((item) => item.path === from);
    if (at < 0) return;
    this.items[at] = { ...this.items[at]!, path: to, ...change };
    this.changed = true;
  }

  /** Drops the gaps an earlier attempt recorded, before capture runs again; returns them for the record. */
  clearMissing(): MissingEvidence[] {
    this.changed = true;
    return this.missing.splice(0);
  }

  /** The path must already be free of secrets (it names a file); source and note quote the container. */
  add(item: EvidenceItem): void {
    const { source, note } = this.redactor.redactValue({ source: item.source, note: item.note });
    this.items.push(markSecretMaterial({ ...item, source, ...(note === undefined ? {} : { note }) }));
    this.changed = true;
  }

  /** Reasons can quote the container (a file name, tar's stderr), so they are redacted. */
  addMissing(gap: MissingEvidence): void {
    this.missing.push(this.redactor.redactValue(gap));
    this.changed = true;
  }

  /**
   * Writes manifest.json and SHA256SUMS; returns the manifest and the SHA-256
   * of manifest.json. Unchanged since the last seal, it rewrites nothing: the
   * manifest the trail recorded stays the one on disk, and a crash cannot
   * leave a newer, unrecorded one behind.
   */
  async seal(now = new Date()): Promise<{ manifest: Manifest; sha256: string }> {
    if (!this.changed && this.lastSealed && this.lastSha256) return { manifest: this.lastSealed, sha256: this.lastSha256 };
    const manifest = buildManifest(this.head, this.items, this.missing, { captured: this.captured, now });
    const text = manifestText(manifest);
    await writeFileAtomic(join(this.incidentDir, 'SHA256SUMS'), formatSha256Sums(manifest.items));
    await writeFileAtomic(join(this.incidentDir, 'manifest.json'), text);
    this.lastSealed = manifest;
    this.lastSha256 = manifestSha256(manifest);
    this.changed = false;
    return { manifest, sha256: this.lastSha256 };
  }

  /**
   * Rewrites the last sealed manifest.json with the audit trail's seal as its
   * last field, every other byte as it was: dropping `auditSeal` and writing
   * the rest the same way gives back the hash `evidence.sealed` recorded.
   */
  async attachAuditSeal(seal: AuditSeal): Promise<void> {
    if (!this.lastSealed) return;
    const text = manifestText({ ...this.lastSealed, auditSeal: seal });
    await writeFileAtomic(join(this.incidentDir, 'manifest.json'), text);
  }
}
