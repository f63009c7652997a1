import Docker from 'dockerode';
import { checkDockerHost, clientUnusable, engineUnreachable } from './docker-errors.js';

export { describeDockerHost, dockerMessage, dockerStatus, toDockerError } from './docker-errors.js';

/** How long a quiet engine connection may stay silent before `ir` gives up on it. */
const BASE_TIMEOUT_SECONDS = 60;

/**
 * Connects the way the docker CLI does: DOCKER_HOST (unix:// or tcp://),
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (docker-modem reads them), then
 * pings so an unreachable engine fails here with one clear line.
 * `longestWaitSeconds` is the longest the engine may legitimately stay silent
 * (a stop's grace period): the idle timeout must outlast it.
 */
export async function connectDocker(longestWaitSeconds = 0): Promise<Docker> {
  checkDockerHost();
  let docker: Docker;
  try {
    docker = new Docker({ timeout: (BASE_TIMEOUT_SECONDS + longestWaitSeconds) * 1000 });
  } catch (error) {
    throw clientUnusable(error);
  }
  try {
    await docker.ping();
  } catch (error) {
    throw engineUnreachable(error);
  }
  return docker;
}

/** Image pulls and imports report progress as a JSON stream; its end, or an error in it, is the result. */
export function waitForProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}
