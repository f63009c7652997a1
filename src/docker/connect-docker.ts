import Docker from 'dockerode';
import { firstLineOf, IrError, messageOf } from '../errors.js';

/** Where the engine is, as the operator would write it. */
export function describeDockerHost(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

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
  const docker = new Docker({ timeout: (BASE_TIMEOUT_SECONDS + longestWaitSeconds) * 1000 });
  try {
    await docker.ping();
  } catch (error) {
    throw engineUnreachable(error);
  }
  return docker;
}

function engineUnreachable(error: unknown): IrError {
  const host = describeDockerHost();
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES') {
    return new IrError(`permission denied on the Docker socket ${host}`, {
      code: 'DOCKER_PERMISSION',
      source: 'environment',
      hint: 'run as a user in the docker group, or as root',
      cause: error,
    });
  }
  return new IrError(`no Docker engine reachable at ${host} (${code ?? messageOf(error)})`, {
    code: 'DOCKER_UNREACHABLE',
    source: 'environment',
    hint: 'start the engine (dockerd) or point DOCKER_HOST at it',
    cause: error,
  });
}

/** The HTTP status a dockerode call failed with, if it reached the engine. */
export function dockerStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A Docker API failure as one line: the engine's own message, not the request dump. */
export function dockerMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } }).json;
  if (json && typeof json.message === 'string') return json.message;
  return firstLineOf(error) || 'unknown Docker error';
}

/** Image pulls and imports report progress as a JSON stream; its end, or an error in it, is the result. */
export function waitForProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}
