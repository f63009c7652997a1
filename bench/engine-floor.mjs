/**
 * The engine's own cost of detaching a container, without any client start-up:
 * raw Engine API calls from this already-running process over the unix socket.
 * No client can isolate faster than this, so it is the floor that ir's
 * isolation time is compared against, beside the bare docker CLI.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

const SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
// The oldest API version the engines we support speak; disconnect has not changed since.
const API = '/v1.41';

function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: SOCKET, path: `${API}${path}`, method: 'POST',
      headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Milliseconds for the engine to detach `container` from all of `networks`, asked at once as ir asks. */
export async function engineDisconnectMs(container, networks) {
  if (/^(tcp|ssh):/.test(process.env.DOCKER_HOST ?? '')) throw new Error('the engine floor needs a unix socket');
  const start = performance.now();
  await Promise.all(networks.map((network) =>
    post(`/networks/${encodeURIComponent(network)}/disconnect`, { Container: container, Force: true })));
  return performance.now() - start;
}
