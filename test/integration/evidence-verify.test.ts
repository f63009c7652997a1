import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { onlyIncidentDir, runCli, tempDir, writeContainRunbook } from '../support/run-cli.js';

const exec = promisify(execFile);

describe.skipIf(!inject('docker').ok)('verifying and packing the evidence of a real containment', () => {
  let guide: GuideContainer;
  let work: string;
  let incidentDir: string;
  let fsDir: string;

  beforeAll(async () => {
    guide = await runGuideContainer({ apiKey: 'gsk_fake_verify_value' });
    work = await tempDir('evidence-verify');
    await writeContainRunbook(work, guide.name);
    const run = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'incidents')]);
    expect(run.code, run.stderr).toBe(0);
    incidentDir = await onlyIncidentDir(join(work, 'incidents'));
    fsDir = join(incidentDir, 'evidence', guide.name);
  });

  afterAll(async () => {
    await guide?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('verifies the incident directory as written', async () => {
    const run = await runCli(['evidence', 'verify', incidentDir]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^OK: \d+ files and \d+ tar index(es)? match the manifest of IR-/m);
  });

  it('has an index with one line per entry that tar itself lists', async () => {
    const index = await indexLines(join(fsDir, 'filesystem.index.jsonl'));
    const { stdout } = await exec('tar', ['-tvf', join(fsDir, 'filesystem.tar')], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout.trimEnd().split('\n')).toHaveLength(index.length);
  });

  it('indexes bin/busybox with the hash of what tar extracts', async () => {
    const entry = (await indexLines(join(fsDir, 'filesystem.index.jsonl'))).find((line) => line.path === 'bin/busybox');
    const { stdout } = await exec('tar', ['-xOf', join(fsDir, 'filesystem.tar'), 'bin/busybox'],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    expect(entry?.sha256).toBe(createHash('sha256').update(stdout).digest('hex'));
  });

  it('packs the incident into a bundle that verifies', async () => {
    const bundle = join(work, 'bundle.tar');
    const packed = await runCli(['evidence', 'pack', incidentDir, '--output', bundle]);
    expect(packed.code, packed.stderr).toBe(0);
    await exec('sha256sum', ['-c', 'bundle.tar.sha256'], { cwd: work });
    const run = await runCli(['evidence', 'verify', bundle]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^OK: /m);
  });
});

async function indexLines(path: string): Promise<Array<{ path: string; sha256?: string }>> {
  return (await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
}
