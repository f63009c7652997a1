import { afterEach, describe, expect, it } from 'vitest';
import { checkDockerHost, clientUnusable, toDockerError } from '../../src/docker/docker-errors.js';
import { exitCodeFor } from '../../src/runner/exit-code.js';
import { reportedErrorOf } from '../../src/runner/reported-error.js';
import type { StepReport } from '../../src/runner/summary.js';

const HOST = process.env.DOCKER_HOST;
afterEach(() => {
  if (HOST === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = HOST;
});

function errno(code: string, message = `connect ${code} /var/run/docker.sock`) {
  return Object.assign(new Error(message), { code });
}

function engineAnswer(statusCode: number, message: string) {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}\n{request dump}`), { statusCode, json: { message } });
}

describe('engine failures, one line each with the fix', () => {
  it('names permission denied on the socket (a root test run cannot be refused for real)', () => {
    process.env.DOCKER_HOST = 'unix:///var/run/docker.sock';
    const error = toDockerError(errno('EACCES'));
    expect(error).toMatchObject({ code: 'DOCKER_PERMISSION', message: 'permission denied on the Docker socket unix:///var/run/docker.sock' });
    expect(error.hint).toMatch(/docker group/);
    expect(error.exitCode).toBe(3);
  });

  it('tells an engine that went away from one that answered', () => {
    process.env.DOCKER_HOST = 'tcp://10.0.0.1:2375';
    expect(toDockerError(errno('ECONNREFUSED')).message)
      .toBe('no Docker engine reachable at tcp://10.0.0.1:2375: nothing is listening there (ECONNREFUSED)');
    expect(toDockerError(engineAnswer(409, 'Container abc is paused')).message).toBe('Container abc is paused');
  });

  it('names a container removed under our feet, and a plain engine telling us to use TLS', () => {
    expect(toDockerError(engineAnswer(404, 'No such container: 3f2a')).code).toBe('CONTAINER_GONE');
    expect(toDockerError(engineAnswer(404, 'network x not found')).code).toBe('DOCKER_ERROR');
    const plain = toDockerError(engineAnswer(400, 'Client sent an HTTP request to an HTTPS server.'));
    expect(plain).toMatchObject({ code: 'DOCKER_TLS', hint: expect.stringContaining('DOCKER_TLS_VERIFY=1') });
  });

  it('names TLS failures by what is wrong', () => {
    expect(toDockerError(errno('CERT_HAS_EXPIRED')).message).toMatch(/certificate has expired \(CERT_HAS_EXPIRED\)$/);
    expect(toDockerError(errno('ERR_SSL_WRONG_VERSION_NUMBER')).message).toMatch(/TLS handshake failed/);
  });

  it('tells a bad DOCKER_HOST from bad certificate files', () => {
    process.env.DOCKER_HOST = 'tcp://[nope';
    expect(clientUnusable(new Error('DOCKER_HOST env variable should be something like tcp://localhost:1234')))
      .toMatchObject({ code: 'DOCKER_HOST_INVALID', exitCode: 2 });
    expect(clientUnusable(new Error("File does not contain 'BEGIN CERTIFICATE'")).code).toBe('DOCKER_TLS_FILES');
  });

  it.each(['foo', 'bogus://x', 'ssh://x', 'http://127.0.0.1:2375', 'unix://'])(
    "refuses DOCKER_HOST '%s' as bad input before dialling anything", (host) => {
      expect(() => checkDockerHost(host)).toThrow(expect.objectContaining({ code: 'DOCKER_HOST_INVALID', exitCode: 2 }));
    });

  it.each(['unix:///var/run/docker.sock', 'tcp://10.0.0.1:2376', undefined, ''])(
    "takes DOCKER_HOST '%s' as an address to try", (host) => {
      expect(() => checkDockerHost(host)).not.toThrow();
    });

  it('reports a full evidence disk by name, and leaves other errors as they are', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path: '/ev/x.tar' });
    expect(reportedErrorOf(full)).toMatchObject({ code: 'EVIDENCE_DISK_FULL', message: 'the evidence disk is full (ENOSPC writing /ev/x.tar)' });
    expect(reportedErrorOf(new Error('odd'))).toEqual({ code: 'UNEXPECTED', message: 'odd' });
  });
});

describe('exit codes', () => {
  const step = (kind: StepReport['kind'], outcome: StepReport['outcome']): StepReport =>
    ({ index: 1, kind, outcome, summary: '' });

  it('is 6 when isolate or terminate failed but other steps ran, 1 for other failures', () => {
    expect(exitCodeFor('failed', [step('isolate', 'failed'), step('capture', 'succeeded')])).toBe(6);
    expect(exitCodeFor('failed', [step('isolate', 'succeeded'), step('terminate', 'failed')])).toBe(6);
    expect(exitCodeFor('failed', [step('isolate', 'failed')])).toBe(1);
    expect(exitCodeFor('failed', [step('isolate', 'succeeded'), step('rotate-secret', 'failed')])).toBe(1);
    expect(exitCodeFor('succeeded', [step('isolate', 'succeeded'), step('terminate', 'skipped')])).toBe(0);
    expect(exitCodeFor('aborted', [step('isolate', 'failed'), step('capture', 'succeeded')])).toBe(130);
  });
});
