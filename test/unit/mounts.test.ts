import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { listMounts, sharedShmReason } from '../../src/steps/mounts.js';

function inspectWith(hostConfig: Partial<Docker.HostConfig>, mounts: Partial<Docker.MountSettings>[] = []) {
  return { HostConfig: hostConfig, Mounts: mounts } as unknown as Docker.ContainerInspectInfo;
}

describe('the mounts capture must read besides the export', () => {
  it("includes the container's own /dev/shm, which the engine does not list among its mounts", () => {
    const info = inspectWith({ IpcMode: 'private', Tmpfs: { '/tmp': 'rw,noexec' } },
      [{ Type: 'volume', Destination: '/data' }]);
    expect(listMounts(info).map((m) => `${m.type} ${m.destination} ${m.safeName}`))
      .toEqual(['volume /data data', 'tmpfs /dev/shm dev-shm', 'tmpfs /tmp tmp']);
    expect(sharedShmReason(info)).toBeUndefined();
  });

  it.each([
    ['host', /host's IPC namespace/],
    ['container:db', /IPC namespace of db/],
  ])('leaves out a /dev/shm shared through --ipc %s, and says why', (mode, reason) => {
    const info = inspectWith({ IpcMode: mode });
    expect(listMounts(info)).toEqual([]);
    expect(sharedShmReason(info)).toMatch(reason);
  });

  it('captures a /dev/shm given as an explicit mount as that mount', () => {
    const info = inspectWith({ IpcMode: 'shareable' }, [{ Type: 'bind', Destination: '/dev/shm' }]);
    expect(listMounts(info).map((m) => m.type)).toEqual(['bind']);
  });
});
