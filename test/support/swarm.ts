/**
 * A single-node swarm on the test engine, for the Swarm secret suite. Made
 * once if the engine is in none, and left active: plain containers do not
 * mind, and other suites sharing the engine may be using it. A swarm this did
 * not make is used as it is, never left or changed.
 */
import Docker from 'dockerode';
import type { PartStatus } from './real-parts.js';

type SwarmState = { LocalNodeState?: string; ControlAvailable?: boolean };

export async function ensureSwarm(docker: PartStatus): Promise<PartStatus> {
  if (!docker.ok) return { ok: false, reason: 'no usable Docker engine (see above)' };
  const engine = new Docker();
  try {
    let swarm = await stateOf(engine);
    if (swarm.LocalNodeState === 'inactive') {
      // Loopback: the node talks to no other, and the machine may have several interfaces.
      await engine.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
      swarm = await stateOf(engine);
    }
    if (swarm.LocalNodeState === 'active' && swarm.ControlAvailable) return { ok: true, reason: '' };
    return { ok: false, reason: `the engine's swarm is ${swarm.LocalNodeState} and not a manager` };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `cannot make a single-node swarm (${message})` };
  }
}

async function stateOf(engine: Docker): Promise<SwarmState> {
  return ((await engine.info()) as { Swarm?: SwarmState }).Swarm ?? {};
}
