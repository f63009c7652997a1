/**
 * The swarm the Swarm secret suite needs. The tests never make one: turning
 * a developer's engine into a swarm manager is not a test's decision. `.ci/run`
 * makes a single-node one on a fresh machine; elsewhere the suite is skipped
 * with the command that makes one. A swarm that exists is used as it is.
 */
import Docker from 'dockerode';
import type { PartStatus } from './real-parts.js';

type SwarmState = { LocalNodeState?: string; ControlAvailable?: boolean };

const MAKE_ONE = 'docker swarm init --listen-addr 127.0.0.1:2377 --advertise-addr 127.0.0.1';

export async function checkSwarm(docker: PartStatus): Promise<PartStatus> {
  if (!docker.ok) return { ok: false, reason: 'no usable Docker engine (see above)' };
  try {
    const swarm = ((await new Docker().info()) as { Swarm?: SwarmState }).Swarm ?? {};
    if (swarm.LocalNodeState === 'active' && swarm.ControlAvailable) return { ok: true, reason: '' };
    const state = swarm.LocalNodeState ?? 'unknown';
    return { ok: false, reason: `the engine is no swarm manager (swarm ${state}): ${MAKE_ONE}` };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `cannot read the engine's swarm state (${message})` };
  }
}
