import { join } from 'node:path';
import type { EvidenceItem, MissingEvidence } from './item.js';
import type { EngineIdentity } from '../docker/engine-identity.js';
import { buildManifest, formatSha256Sums, type Manifest, type ManifestHead, type Snapshot } from './manifest.js';
import { writeFileAtomic } from './write-atomic.js';

/**
 * The evidence of one incident as it is gathered. Steps add items and gaps;
 * `seal` writes manifest.json and SHA256SUMS from what was added.
 */
export class EvidenceBundle {
  private readonly items: EvidenceItem[] = [];
  private readonly missing: MissingEvidence[] = [];

  constructor(
    readonly incidentDir: string,
    private head: ManifestHead,
  ) {}

  setEngine(engine: EngineIdentity): void {
    this.head = { ...this.head, engine };
  }

  addSnapshot(snapshot: Snapshot): void {
    this.head = { ...this.head, snapshots: [...(this.head.snapshots ?? []), snapshot] };
  }

  add(item: EvidenceItem): void {
    this.items.push(item);
  }

  addMissing(gap: MissingEvidence): void {
    this.missing.push(gap);
  }

  get gaps(): readonly MissingEvidence[] {
    return this.missing;
  }

  get partialItems(): EvidenceItem[] {
    return this.items.filter((item) => item.partial);
  }

  async seal(now = new Date()): Promise<Manifest> {
    const manifest = buildManifest(this.head, this.items, this.missing, now);
    await writeFileAtomic(join(this.incidentDir, 'SHA256SUMS'), formatSha256Sums(manifest.items));
    await writeFileAtomic(join(this.incidentDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  }
}
