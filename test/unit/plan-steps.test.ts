import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { planCapture, planIsolate, planTerminate, type ContainerFacts } from '../../src/plan/plan-container-steps.js';
import { describeBytes } from '../../src/plan/plan-space.js';
import type { CaptureParams, IsolateParams } from '../../src/runbook/schema.js';

const ISOLATE: IsolateParams = { networks: 'all', freeze: false, fallback: 'pause' };
const CAPTURE: CaptureParams = { logs: true, filesystem: true, mounts: true, mountSizeLimit: 1024, snapshot: false };

function facts(overrides: { state?: Partial<Docker.ContainerInspectInfo['State']>; networkMode?: string;
  restart?: string; mounts?: unknown[]; tmpfs?: Record<string, string>; freeBytes?: number } = {}): ContainerFacts {
  const info = {
    State: { Status: 'running', Running: true, Paused: false, Restarting: false, ...overrides.state },
    RestartCount: 0,
    HostConfig: { NetworkMode: overrides.networkMode ?? 'web', RestartPolicy: { Name: overrides.restart ?? '' },
      Tmpfs: overrides.tmpfs ?? {} },
    NetworkSettings: { Networks: { web: { NetworkID: 'n'.repeat(64), IPAddress: '172.18.0.2' } } },
    Mounts: overrides.mounts ?? [],
    SizeRootFs: 4096,
  } as unknown as ContainerFacts['info'];
  return { info, volumeSizes: new Map([['data', 2048]]), space: { dir: '/ev', freeBytes: overrides.freeBytes }, before: [] };
}

describe('plans of the container steps', () => {
  it('lists the networks isolate would leave, with ids and addresses', () => {
    const plan = planIsolate(ISOLATE, facts());
    expect(plan.details.leave).toEqual([expect.objectContaining({ name: 'web', networkId: 'n'.repeat(64), ipv4: '172.18.0.2' })]);
    expect(plan.problems).toEqual([]);
  });

  it('flags a host-network container isolate cannot cut off, unless it is not running', () => {
    const running = planIsolate(ISOLATE, facts({ networkMode: 'host' }));
    expect(running.problems).toEqual([expect.objectContaining({ code: 'ISOLATE_FALLBACK',
      message: expect.stringContaining('it would be paused instead (fallback: pause)') })]);
    expect(planIsolate({ ...ISOLATE, fallback: 'none' }, facts({ networkMode: 'host' })).problems[0]!.code)
      .toBe('ISOLATE_UNSUPPORTED_NETWORK_MODE');
    expect(planIsolate(ISOLATE, facts({ networkMode: 'host', state: { Running: false, Status: 'exited' } })).problems)
      .toEqual([]);
  });

  it('gives mount sizes where the engine knows them, and flags a disk too small', () => {
    const plan = planCapture(CAPTURE, facts({
      mounts: [{ Type: 'volume', Name: 'data', Destination: '/data' }],
      tmpfs: { '/app/logs': 'rw,size=500m' }, freeBytes: 1000,
    }));
    expect(plan.details.mounts).toEqual([
      { type: 'tmpfs', destination: '/app/logs', sizeNote: 'holds at most 500m (its limit); read at capture' },
      { type: 'volume', destination: '/data', source: 'data', sizeBytes: 2048,
        sizeNote: '2.0 KiB (1.0 KiB limit), OVER the limit: it would not be copied' },
      // Its own /dev/shm, which the engine does not list among the mounts; no ShmSize in these facts.
      { type: 'tmpfs', destination: '/dev/shm', sizeNote: 'no size limit set' },
    ]);
    expect(plan.problems).toEqual([expect.objectContaining({ code: 'EVIDENCE_DISK_SMALL' })]);
  });

  it('says terminate clears a restart policy, and is refused with no capture before it', () => {
    const plan = planTerminate({ stopTimeout: 10 }, facts({ restart: 'always' }));
    expect(plan.notes).toContain("its restart policy 'always' is cleared first, so it cannot come back");
    expect(plan.problems).toEqual([expect.objectContaining({ code: 'EVIDENCE_FIRST' })]);
    const captured = { ...facts(), before: [{ kind: 'capture' as const, params: CAPTURE }] };
    expect(planTerminate({ stopTimeout: 10 }, captured).problems).toEqual([]);
  });

  it('writes sizes for people', () => {
    expect([describeBytes(512), describeBytes(1536), describeBytes(3 * 2 ** 30)]).toEqual(['512 bytes', '1.5 KiB', '3.0 GiB']);
  });
});
