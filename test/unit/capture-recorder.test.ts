import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditTrail } from '../../src/audit/audit-trail.js';
import { EvidenceBundle } from '../../src/evidence/evidence-bundle.js';
import { PartialCaptureError } from '../../src/evidence/partial-capture.js';
import { Redactor } from '../../src/redactor.js';
import { CaptureRecorder } from '../../src/steps/capture-recorder.js';

describe('what a failed capture leaves behind', () => {
  let dir: string;
  let bundle: EvidenceBundle;
  let recorder: CaptureRecorder;
  const records: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ir-recorder-'));
    bundle = new EvidenceBundle(dir, { incident: 'IR-test', tool: { name: 'ir', version: '0' },
      operator: { user: 'u', host: 'h' }, target: { container: 'web' } }, new Redactor());
    const audit = { append: async (event: string) => { records.push(event); } } as unknown as AuditTrail;
    recorder = new CaptureRecorder({ bundle, incidentDir: dir, audit });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the bytes that arrived as partial items, and no empty file at all', async () => {
    const tar = join(dir, 'tmp.tar');
    const index = join(dir, 'tmp.index.jsonl');
    await writeFile(tar, 'half an archive');
    await writeFile(index, '');
    const partial = [
      { path: tar, file: { bytes: 15, sha256: 'a'.repeat(64) } },
      { path: index, file: { bytes: 0, sha256: 'e'.repeat(64) } },
    ];
    const captured = await recorder.capture({
      what: 'tmpfs mount /tmp',
      source: 'exec tar',
      run: async () => { throw new PartialCaptureError('tar stopped', partial, { code: 'X', source: 'environment' }); },
      leftovers: (left) => left as typeof partial,
    });

    expect(captured).toBe(false);
    expect(await readdir(dir)).toEqual(['tmp.tar']);
    const { manifest } = await bundle.seal();
    expect(manifest.items).toEqual([expect.objectContaining({ path: 'tmp.tar', partial: true })]);
    expect(manifest.missing).toEqual([{ what: 'tmpfs mount /tmp', reason: 'tar stopped' }]);
    expect(records).toEqual(['capture.item.failed']);
  });
});
