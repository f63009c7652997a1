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

/** Why a connection failed, for the errno codes that mean no engine is there. */
const UNREACHABLE: Record<string, string> = {
  ENOENT: 'the socket does not exist',
  ECONNREFUSED: 'nothing is listening there',
  ECONNRESET: 'the engine dropped the connection',
  EPIPE: 'the engine dropped the connection',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Node's TLS and certificate failures: OpenSSL's codes, and the verifier's. */
export function isTlsFailure(code: string | undefined): code is string {
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
  const status = dockerStatus(error);
  if (code === 'EACCES' || code === 'EPERM') return permissionDenied(host, error);
  if (isTlsFailure(code)) return tlsFailed(host, code, error);
  if (status === undefined && code && code in UNREACHABLE) return unreachable(host, code, error);
  const message = dockerMessage(error);
  if (status === 400 && /HTTPS server/.test(message)) return tlsExpected(host, error);
  if (status === 404 && /^No such container/i.test(message)) return containerGone(message, error);
  return new IrError(message, { code: 'DOCKER_ERROR', source: 'environment', cause: error });
}

/** A ping that got no answer at all: the engine is not there, whatever the socket said. */
export function engineUnreachable(error: unknown): IrError {
  const known = toDockerError(error);
  if (known.code !== 'DOCKER_ERROR' || dockerStatus(error) !== undefined) return known;
  return unreachable(describeDockerHost(), errnoOf(error) ?? firstLineOf(error), error);
}

function failure(code: string, message: string, hint: string, cause: unknown): IrError {
  return new IrError(message, { code, source: 'environment', hint, cause });
}

function permissionDenied(host: string, error: unknown): IrError {
  return failure('DOCKER_PERMISSION', `permission denied on the Docker socket ${host}`,
    'run as a user in the docker group (or root), or point DOCKER_HOST at an engine you may use',
    error);
}

function unreachable(host: string, code: string, error: unknown): IrError {
  const reason = UNREACHABLE[code] ?? 'the connection failed';
  return failure('DOCKER_UNREACHABLE', `no Docker engine reachable at ${host}: ${reason} (${code})`,
    'start the engine (systemctl start docker, or dockerd) or point DOCKER_HOST at it', error);
}

function containerGone(message: string, error: unknown): IrError {
  return failure('CONTAINER_GONE', `the container is gone from the engine (${message})`,
    'it was removed outside ir (docker rm, --rm, an orchestrator): see docker ps -a and the trail',
    error);
}

function tlsCause(code: string): string {
  if (/SELF_SIGNED|UNABLE_TO|LEAF_SIGNATURE|UNKNOWN_CA/.test(code)) {
    return "the engine's certificate is not signed by the CA in DOCKER_CERT_PATH";
  }
  if (code === 'CERT_HAS_EXPIRED') return "the engine's certificate has expired";
  return 'the TLS handshake failed';
}

function tlsFailed(host: string, code: string, error: unknown): IrError {
  const message = `TLS to the Docker engine at ${host} failed: ${tlsCause(code)} (${code})`;
  return failure('DOCKER_TLS', message,
    "put this engine's ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, " +
    'or unset DOCKER_TLS_VERIFY for an engine without TLS', error);
}

function tlsExpected(host: string, error: unknown): IrError {
  const message = `the Docker engine at ${host} expects TLS, and DOCKER_TLS_VERIFY is not set`;
  return failure('DOCKER_TLS', message,
    'set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory with ca.pem, cert.pem, key.pem',
    error);
}

/** DOCKER_HOST as ir can use it: a unix socket or tcp, the two it is tested against. */
export function checkDockerHost(host = process.env.DOCKER_HOST): void {
  if (host === undefined || host === '' || /^(unix|tcp):\/\/./.test(host)) return;
  throw invalidHost(host);
}

function invalidHost(host: string | undefined): IrError {
  return new IrError(`DOCKER_HOST '${host}' is not an engine address ir can use`, {
    code: 'DOCKER_HOST_INVALID',
    source: 'input',
    hint: 'use unix:///path/to/docker.sock or tcp://host:port (for ssh://, forward the socket with ssh -L)',
  });
}

/** The client reads DOCKER_HOST and DOCKER_CERT_PATH's files when made; bad ones fail there. */
export function clientUnusable(error: unknown): IrError {
  if (/^DOCKER_HOST/.test(messageOf(error))) return invalidHost(process.env.DOCKER_HOST);
  const dir = process.env.DOCKER_CERT_PATH ?? '(DOCKER_CERT_PATH unset)';
  const missing = errnoOf(error) === 'ENOENT' ? (error as NodeJS.ErrnoException).path : undefined;
  const why = missing ? `${missing} does not exist` : messageOf(error);
  return failure('DOCKER_TLS_FILES', `cannot use the TLS files in ${dir}: ${why}`,
    'DOCKER_CERT_PATH must hold ca.pem, cert.pem and key.pem in PEM form (as docker --tlsverify)',
    error);
}
