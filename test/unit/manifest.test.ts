import { describe, expect, it } from 'vitest';
import type { EvidenceItem } from '../../src/evidence/item.js';
import { buildManifest, formatSha256Sums, type ManifestHead } from '../../src/evidence/manifest.js';

const head: ManifestHead = {
  incident: 'IR-1', tool: { name: 'ir', version: '0.1.0' }, operator: { user: 'u', host: 'h' },
  target: { container: 'autotrader' },
};

function item(path: string, extra: Partial<EvidenceItem> = {}): EvidenceItem {
  return {
    path, bytes: 3, sha256: 'a'.repeat(64), startedAt: 't0', finishedAt: 't1', source: 'GET /x', ...extra,
  };
}

describe('the manifest', () => {
  const now = new Date('2026-12-03T03:15:02Z');

  it('lists items in path order and is complete when nothing is partial or missing', () => {
    const manifest = buildManifest(head, [item('evidence/b'), item('evidence/a')], [], { captured: true, now });
    expect(manifest.items.map((i) => i.path)).toEqual(['evidence/a', 'evidence/b']);
    expect(manifest.complete).toBe(true);
    expect(manifest.writtenAt).toBe('2026-12-03T03:15:02.000Z');
  });

  it('is incomplete until a capture has finished', () => {
    expect(buildManifest(head, [], [], { captured: false, now }).complete).toBe(false);
  });

  it('is incomplete when an item is partial or something is missing', () => {
    expect(buildManifest(head, [item('a', { partial: true })], [], { captured: true, now }).complete).toBe(false);
    expect(buildManifest(head, [item('a')], [{ what: 'logs', reason: 'driver none' }], { captured: true, now }).complete).toBe(false);
  });

  it('writes SHA256SUMS lines the way sha256sum -c reads them', () => {
    expect(formatSha256Sums([item('evidence/c/inspect.json')])).toBe(`${'a'.repeat(64)}  evidence/c/inspect.json\n`);
  });
});
