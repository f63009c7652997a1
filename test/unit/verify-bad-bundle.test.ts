import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packIncident } from '../../src/evidence/pack-bundle.js';
import { writeIncident } from '../support/incident-fixture.js';
import { runCli, tempDir } from '../support/run-cli.js';

let work: string;
let incident: string;
let temp: string;
beforeEach(async () => {
  work = await tempDir('bad-bundle');
  incident = join(work, 'IR-test');
  temp = await tempDir('bad-bundle-tmp');
  await writeIncident(incident);
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(temp, { recursive: true, force: true });
});

/** Runs `ir evidence verify` on `file` with TMPDIR pointed at a directory of the test's own. */
function verifyBundle(file: string, extra: string[] = []): ReturnType<typeof runCli> {
  return runCli(['evidence', 'verify', file, ...extra], { TMPDIR: temp });
}

describe('ir evidence verify on a bundle that cannot be read', () => {
  it('says a file of other bytes is not a tar archive, with its own code', async () => {
    await writeFile(join(work, 'other.tar'), Buffer.alloc(8192, 'these bytes are no tar header '));
    const run = await verifyBundle(join(work, 'other.tar'), ['--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ir: \S+other\.tar is not a tar archive$/m);
    expect(run.stderr).not.toMatch(/truncated|Invalid tar header/);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'BUNDLE_NOT_TAR' } });
    expect(await readdir(temp)).toEqual([]);
  });

  it('says a bundle cut in a header, a file or between entries is truncated, plainly', async () => {
    const bundle = await readFile((await packIncident(incident, join(work, 'bundle.tar'))).output);
    const manifestBytes = (await readFile(join(incident, 'manifest.json'))).length;
    const secondHeader = 512 + Math.ceil(manifestBytes / 512) * 512;
    const cuts = [100, secondHeader + 100, secondHeader + 512, 2048 + 300, bundle.length - 1024];
    for (const cut of cuts) {
      await writeFile(join(work, 'cut.tar'), bundle.subarray(0, cut));
      const run = await verifyBundle(join(work, 'cut.tar'));
      expect(run.code, `cut at ${cut}`).toBe(2);
      const ends = '(in the middle of an entry|without its end-of-archive marker)';
      expect(run.stderr, `cut at ${cut}`).toMatch(
        new RegExp(`^ir: \\S+cut\\.tar is truncated: the tar ends ${ends}$`, 'm'),
      );
      expect(run.stderr).not.toMatch(/stream|destroyed|unexpected/i);
      expect(await readdir(temp)).toEqual([]);
    }
  });

  it('gives an unusable TMPDIR one line naming it and exit 3, not an internal error', async () => {
    const { output } = await packIncident(incident, join(work, 'bundle.tar'));
    const run = await runCli(['evidence', 'verify', output], { TMPDIR: join(work, 'no-such-dir') });
    expect(run.code).toBe(3);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ir: cannot create a temporary directory in \S+no-such-dir: ENOENT/);
    const hint = /^ {2}hint: set TMPDIR to a writable directory/;
    expect(lines.slice(1)).toEqual([expect.stringMatching(hint)]);
  });
});

describe('ir evidence verify on a manifest that is not JSON', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"incident": "IR-', /manifest\.json in \S+ is not valid JSON$/m],
    ['empty', '', /manifest\.json in \S+ is empty$/m],
  ];
  for (const [what, text, message] of cases) {
    it(`says so when manifest.json is ${what}, and what to do`, async () => {
      await writeFile(join(incident, 'manifest.json'), text);
      const run = await runCli(['evidence', 'verify', incident]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/hint: .*restore manifest\.json from an untouched copy/);
      expect(run.stderr).not.toMatch(/document|expected object/);
    });
  }
});
