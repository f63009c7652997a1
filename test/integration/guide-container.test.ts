import Docker from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { runGuideContainer } from '../support/guide-container.js';

describe.skipIf(!inject('docker').ok)('the guide-shaped test container', () => {
  it('runs read-only, without capabilities, as user 1000 on two networks', async () => {
    const guide = await runGuideContainer({ apiKey: 'gsk_fake_fixture_value', networkCount: 2 });
    try {
      const info = await new Docker().getContainer(guide.id).inspect();
      expect(info.HostConfig.ReadonlyRootfs).toBe(true);
      expect(info.HostConfig.CapDrop).toEqual(['ALL']);
      expect(info.Config.User).toBe('1000:1000');
      expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([...guide.networks].sort());
    } finally {
      await guide.remove();
    }
  });
});
