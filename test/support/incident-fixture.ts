/**
 * A small sealed incident directory built by hand, the way `ir contain`
 * lays one out, for tests of verifying and packing evidence.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { captureTar } from '../../src/docker/tar-index.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { sealEvidence, sealIncident } from '../../src/audit/seal.js';
import { EvidenceBundle } from '../../src/evidence/evidence-bundle.js';
import type { MissingEvidence } from '../../src/evidence/item.js';
import { Redactor } from '../../src/redactor.js';

export const CONTAINER_DIR = 'evidence/web';
export const FS_TAR = `${CONTAINER_DIR}/filesystem.tar`;
export const FS_INDEX = `${CONTAINER_DIR}/filesystem.index.jsonl`;
export const INSPECT = `${CONTAINER_DIR}/inspect.json`;
export const STDOUT_LOG = `${CONTAINER_DIR}/logs/stdout.log`;
/** Content of bin/busybox in the sample filesystem; unique enough to find in the tar's bytes. */
export const BUSYBOX = Buffer.from('BUSYBOX-BINARY-STAND-IN\n'.repeat(40));
export const WRITTEN_AT = new Date('2026-12-03T03:15:02.000Z');

const MTIME = new Date('2024-05-01T12:00:00.000Z');

/** One entry for `tarOf`: a header and, for files, the content. */
export interface TarSpec {
  header: Partial<Header> & { name: string };
  content?: Buffer | string;
}

/** Builds a tar in memory with tar-stream; fine for the few kilobytes a test needs. */
export async function tarOf(entries: TarSpec[]): Promise<Buffer> {
  const archive = pack();
  for (const { header, content } of entries) archive.entry({ mtime: MTIME, ...header }, content ?? '');
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sampleFilesystem(): Promise<Buffer> {
  return tarOf([
    { header: { name: 'bin/', type: 'directory', mode: 0o755 } },
    { header: { name: 'bin/busybox', mode: 0o755 }, content: BUSYBOX },
    { header: { name: 'bin/sh', type: 'symlink', linkname: 'busybox', mode: 0o777 } },
    { header: { name: 'etc/hostname', mode: 0o644 }, content: 'web\n' },
  ]);
}

export interface IncidentShape {
  /** Item paths to mark partial in the manifest. */
  partial?: string[];
  missing?: MissingEvidence[];
}

/** Writes a sealed incident into `dir`: evidence files, a filesystem tar with its index, manifest, SHA256SUMS. */
export async function writeIncident(dir: string, shape: IncidentShape = {}): Promise<void> {
  await put(dir, INSPECT, '{"Config":{"Env":["GROQ_API_KEY=gsk_fixture"]}}\n');
  await put(dir, STDOUT_LOG, '2026-12-03T03:15:00Z order filled\n');
  await put(dir, 'journal.json', '{"steps":[]}\n');
  await captureTar(Readable.from([await sampleFilesystem()]), join(dir, FS_TAR), join(dir, FS_INDEX));
  await seal(dir, [INSPECT, STDOUT_LOG, FS_TAR, FS_INDEX], shape);
}

/**
 * (Re)writes manifest.json, SHA256SUMS and a sealed audit trail from the files
 * now on disk at `paths`, the way `ir contain` finishes: a forger who redoes
 * all of it is what the index and hash checks must still catch.
 */
export async function seal(dir: string, paths: string[], shape: IncidentShape = {}): Promise<void> {
  await rm(join(dir, 'audit.jsonl'), { force: true });
  const redactor = new Redactor();
  const operator = { user: 'tester', host: 'test' };
  const audit = await AuditTrail.create(join(dir, 'audit.jsonl'), { incident: INCIDENT_ID, actor: operator, target: 'web' }, redactor);
  const bundle = new EvidenceBundle(dir, {
    incident: INCIDENT_ID, tool: { name: 'ir', version: '0.0.0' }, operator, target: { container: 'web' },
  }, redactor);
  for (const path of paths) {
    const data = await readFile(join(dir, path));
    bundle.add({
      path, bytes: data.length, sha256: sha256(data), startedAt: WRITTEN_AT.toISOString(),
      finishedAt: WRITTEN_AT.toISOString(), source: 'test fixture',
      ...(shape.partial?.includes(path) ? { partial: true } : {}),
    });
  }
  for (const gap of shape.missing ?? []) bundle.addMissing(gap);
  bundle.markCaptured();
  await sealEvidence(bundle, audit, WRITTEN_AT);
  await sealIncident(audit, bundle);
}

const INCIDENT_ID = 'IR-20261203T031502Z-web-test';

/** The paths `writeIncident` seals. */
export const SEALED_PATHS = [INSPECT, STDOUT_LOG, FS_TAR, FS_INDEX];

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function put(dir: string, path: string, content: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, path), content, { mode: 0o600 });
}
