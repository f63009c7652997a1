/**
 * Engine failures as one line naming the cause and the fix. The Docker
 * client reports them as Node socket and TLS errors or as HTTP statuses; this
 * is the one place that tells them apart.
 */
import { firstLineOf, IrError, messageOf } from '../errors.js';

/** Where the engine is, as the operator would write it. */
export function describeDockerHost(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
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

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ESOCKETTIMEDOUT']);

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Node's TLS and certificate failures: OpenSSL's codes, and the verifier's. */
function isTlsFailure(code: string | undefined): boolean {
  return code !== undefined && (/CERT|SSL|TLS/.test(code) || code === 'EPROTO');
}

/**
 * The IrError for a failed engine call: unreachable, no permission, TLS,
 * a container that is gone, or the engine's own message. IrErrors pass through.
 */
export function toDockerError(error: unknown): IrError {
  if (error instanceof IrError) return error;
  const host = describeDockerHost();
  const code = errnoOf(error);
  if (code === 'EACCES' || code === 'EPERM') return permissionDenied(host, error);
  if (isTlsFailure(code)) return tlsFailed(host, code!, error);
  if (dockerStatus(error) === undefined && code && UNREACHABLE.has(code)) return unreachable(host, code, error);
  if (dockerStatus(error) === 400 && /HTTPS server/.test(dockerMessage(error))) return tlsExpected(host, error);
  if (dockerStatus(error) === 404 && /^No such container/i.test(dockerMessage(error))) {
    return new IrError(`the container is gone from the engine (${dockerMessage(error)})`, {
      code: 'CONTAINER_GONE',
      source: 'environment',
      hint: 'it was removed outside ir (docker rm, --rm, an orchestrator): check docker ps -a and the audit trail',
      cause: error,
    });
  }
  return new IrError(dockerMessage(error), { code: 'DOCKER_ERROR', source: 'environment', cause: error });
}

function permissionDenied(host: string, error: unknown): IrError {
  return new IrError(`permission denied on the Docker socket ${host}`, {
    code: 'DOCKER_PERMISSION',
    source: 'environment',
    hint: 'run as a user in the docker group (or root), or point DOCKER_HOST at an engine you may use',
    cause: error,
  });
}

const UNREACHABLE_REASONS: Record<string, string> = {
  ENOENT: 'the socket does not exist',
  ECONNREFUSED: 'nothing is listening there',
  ECONNRESET: 'the engine dropped the connection',
};

function unreachable(host: string, code: string, error: unknown): IrError {
  const reason = UNREACHABLE_REASONS[code] ?? 'the connection failed';
  return new IrError(`no Docker engine reachable at ${host}: ${reason} (${code})`, {
    code: 'DOCKER_UNREACHABLE',
    source: 'environment',
    hint: 'start the engine (systemctl start docker, or dockerd) or point DOCKER_HOST at it',
    cause: error,
  });
}

function tlsFailed(host: string, code: string, error: unknown): IrError {
  const cause = /SELF_SIGNED|UNABLE_TO|LEAF_SIGNATURE|UNKNOWN_CA/.test(code)
    ? "the engine's certificate is not signed by the CA in DOCKER_CERT_PATH"
    : code === 'CERT_HAS_EXPIRED' ? "the engine's certificate has expired" : 'the TLS handshake failed';
  return new IrError(`TLS to the Docker engine at ${host} failed: ${cause} (${code})`, {
    code: 'DOCKER_TLS',
    source: 'environment',
    hint: "put this engine's ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, or unset DOCKER_TLS_VERIFY for an engine without TLS",
    cause: error,
  });
}

function tlsExpected(host: string, error: unknown): IrError {
  return new IrError(`the Docker engine at ${host} expects TLS, and DOCKER_TLS_VERIFY is not set`, {
    code: 'DOCKER_TLS',
    source: 'environment',
    hint: 'set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory with ca.pem, cert.pem and key.pem',
    cause: error,
  });
}

/** A ping that got no answer at all: the engine is not there, whatever the socket said. */
export function engineUnreachable(error: unknown): IrError {
  const known = toDockerError(error);
  if (known.code !== 'DOCKER_ERROR' || dockerStatus(error) !== undefined) return known;
  return unreachable(describeDockerHost(), errnoOf(error) ?? firstLineOf(error), error);
}

/** The client reads DOCKER_HOST and DOCKER_CERT_PATH's files when it is made; a bad one fails there. */
export function clientUnusable(error: unknown): IrError {
  if (/^DOCKER_HOST/.test(messageOf(error))) {
    return new IrError(`DOCKER_HOST '${process.env.DOCKER_HOST}' is not an engine address`, {
      code: 'DOCKER_HOST_INVALID',
      source: 'input',
      hint: 'use unix:///path/to/docker.sock or tcp://host:port, as the docker CLI does',
    });
  }
  return tlsFilesUnusable(error);
}

function tlsFilesUnusable(error: unknown): IrError {
  const dir = process.env.DOCKER_CERT_PATH ?? '(DOCKER_CERT_PATH unset)';
  const code = errnoOf(error);
  const why = code === 'ENOENT' ? `${(error as NodeJS.ErrnoException).path} does not exist` : messageOf(error);
  return new IrError(`cannot use the TLS files in ${dir}: ${why}`, {
    code: 'DOCKER_TLS_FILES',
    source: 'environment',
    hint: 'DOCKER_CERT_PATH must hold ca.pem, cert.pem and key.pem in PEM form (as docker --tlsverify expects)',
    cause: error,
  });
}
