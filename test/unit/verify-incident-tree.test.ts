import { cp, mkdir, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packIncident } from '../../src/evidence/pack-bundle.js';
import { verifyIncidentDir } from '../../src/evidence/verify-bundle.js';
import { INSPECT, seal, SEALED_PATHS, STDOUT_LOG, writeIncident } from '../support/incident-fixture.js';
import { runCli, tempDir } from '../support/run-cli.js';

let work: string;
let incident: string;
beforeEach(async () => {
  work = await tempDir('verify-tree');
  incident = join(work, 'IR-test');
  await writeIncident(incident);
});
afterEach(async () => { await rm(work, { recursive: true, force: true }); });

/** Packing must refuse whatever verifying reports, and write nothing. */
async function expectPackRefused(firstProblem: RegExp): Promise<void> {
  await expect(packIncident(incident, join(work, 'out.tar'))).rejects.toMatchObject({
    code: 'PACK_UNVERIFIED', message: expect.stringMatching(firstProblem),
  });
}

describe('ir evidence verify on directories the manifest does not account for', () => {
  it('reports an empty and a non-empty extra directory, and pack refuses both', async () => {
    await mkdir(join(incident, 'evidence/web/empty'));
    await mkdir(join(incident, 'evidence/other'));
    await writeFile(join(incident, 'evidence/other/x'), 'x');
    const report = await verifyIncidentDir(incident);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => `${p.kind} ${p.path}`)).toEqual([
      'extra evidence/other', 'extra evidence/other/x', 'extra evidence/web/empty',
    ]);
    await expectPackRefused(/first extra: evidence\/other$/);
    await rm(join(incident, 'evidence/other'), { recursive: true });
    await expectPackRefused(/first extra: evidence\/web\/empty$/);
  });

  it('accepts the empty directories ir itself makes before knowing what they will hold', async () => {
    await mkdir(join(incident, 'evidence/web/mounts'));
    await mkdir(join(incident, 'evidence/web/engine-files'));
    await rm(join(incident, 'evidence/web/logs'), { recursive: true });
    await mkdir(join(incident, 'evidence/web/logs'));
    await seal(incident, SEALED_PATHS.filter((path) => path !== STDOUT_LOG));
    expect(await verifyIncidentDir(incident)).toMatchObject({ ok: true, problems: [] });
    await mkdir(join(incident, 'evidence/web/mounts/more'));
    const report = await verifyIncidentDir(incident);
    expect(report.problems.map((p) => `${p.kind} ${p.path}`)).toEqual(['extra evidence/web/mounts/more']);
  });

  it('reports a leftover .tmp file below the top level, where none may be', async () => {
    await writeFile(join(incident, 'evidence/web/inspect.json.4242.tmp'), '{}');
    const report = await verifyIncidentDir(incident);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'extra', path: 'evidence/web/inspect.json.4242.tmp' }),
    ]);
  });
});

describe('ir evidence verify never follows a symlink inside an incident', () => {
  it('reports evidence/ replaced by a link to a copy, verifying nothing in it', async () => {
    const copy = join(work, 'copy');
    await mkdir(copy);
    const target = join(copy, 'evidence');
    await rename(join(incident, 'evidence'), target);
    await symlink(target, join(incident, 'evidence'));
    const report = await verifyIncidentDir(incident);
    expect(report.ok).toBe(false);
    expect(report.tarIndexes).toBe(0);
    expect(report.problems.filter((p) => p.kind === 'symlink')).toEqual([
      { kind: 'symlink', path: 'evidence', detail: expect.stringContaining(`"${target}"`) },
    ]);
    const unverified = report.problems.filter((p) => p.kind === 'missing').map((p) => p.path);
    expect(unverified.sort()).toEqual([...SEALED_PATHS].sort());

    const run = await runCli(['evidence', 'verify', incident]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^symlink: evidence: links to "/m);
    expect(run.stdout).not.toMatch(/^extra: /m);
    await expectPackRefused(/: \d+ verification problem/);
  });

  it('reports a file replaced by a link to an identical copy as a symlink', async () => {
    await cp(join(incident, INSPECT), join(work, 'inspect.json'));
    await unlink(join(incident, INSPECT));
    await symlink(join(work, 'inspect.json'), join(incident, INSPECT));
    const report = await verifyIncidentDir(incident);
    const problems = report.problems.map((p) => `${p.kind} ${p.path}`);
    expect(problems).toEqual([`missing ${INSPECT}`, `symlink ${INSPECT}`]);
  });
});

describe('journal.json is not evidence', () => {
  const note = /^note: journal\.json is the runner's working state, not evidence: .*vouch for it$/m;

  it('says verify does not vouch for the journal, which may change freely', async () => {
    await writeFile(join(incident, 'journal.json'), '{"steps":["edited"]}\n');
    const run = await runCli(['evidence', 'verify', incident]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(note);
    await unlink(join(incident, 'journal.json'));
    const without = await runCli(['evidence', 'verify', incident]);
    expect(without.code).toBe(0);
    expect(without.stdout).not.toMatch(/journal/);
  });
});
