import type Docker from 'dockerode';
import { IrError } from '../errors.js';
import { toDockerError } from './docker-errors.js';
import type { Runbook } from '../runbook/schema.js';
import { goneContainer, resolveContainer, type TargetContainer } from './resolve-container.js';

/** One container as the engine lists it: its full id and its own name. */
interface Listed {
  id: string;
  name: string;
}

/**
 * Finds the container an alert names: a name, a full id or a short id, also
 * written `/name` or `docker://<id>` as Kubernetes and some alerts give them.
 * The engine would resolve a prefix on its own, but it picks silently; the
 * container list is read first so an ambiguous prefix is refused, and the
 * one found is then inspected by its full id.
 */
export async function findTarget(docker: Docker, query: string): Promise<TargetContainer> {
  const wanted = normalise(query);
  const listed = await listContainers(docker);
  const matches = matchesOf(listed, wanted);
  if (matches.length > 1) throw ambiguous(query, matches);
  if (matches.length === 0) return resolveContainer(docker, wanted);
  return resolveContainer(docker, matches[0]!.id);
}

/**
 * The runbook's target; when it is gone and no step needs it (a rotation
 * finished after terminate), the incident goes on without it.
 */
export async function findRunbookTarget(docker: Docker, runbook: Runbook) {
  try {
    return await findTarget(docker, runbook.target.container);
  } catch (error) {
    const needsContainer = runbook.steps.some((step) => step.kind !== 'rotate-secret');
    const notFound = error instanceof IrError && error.code === 'CONTAINER_NOT_FOUND';
    if (needsContainer || !notFound) throw error;
    return goneContainer(runbook.target.container);
  }
}

function normalise(query: string): string {
  return query.trim().replace(/^docker:\/\//, '').replace(/^\//, '');
}

/**
 * A full id or an exact name is one container. A query that is an exact name
 * and also a prefix of another container's id is refused: a container named
 * after a victim's short id must not be mistaken for it.
 */
export function matchesOf(listed: Listed[], wanted: string): Listed[] {
  const byId = listed.filter((c) => c.id === wanted);
  if (byId.length === 1) return byId;
  const byName = listed.filter((c) => c.name === wanted);
  const byPrefix = /^[0-9a-f]+$/.test(wanted) ? listed.filter((c) => c.id.startsWith(wanted)) : [];
  return [...byName, ...byPrefix.filter((c) => !byName.includes(c))];
}

async function listContainers(docker: Docker): Promise<Listed[]> {
  try {
    const containers = await docker.listContainers({ all: true });
    return containers.map((c) => ({ id: c.Id, name: ownName(c.Names) }));
  } catch (error) {
    throw toDockerError(error);
  }
}

/** Legacy links add names like `/web/db`; the container's own name has one slash. */
function ownName(names: string[] | undefined): string {
  const own = (names ?? []).find((name) => name.lastIndexOf('/') === 0) ?? names?.[0] ?? '';
  return own.replace(/^\//, '');
}

function ambiguous(query: string, matches: Listed[]): IrError {
  const listed = matches.map((c) => `${c.name} (${c.id.slice(0, 12)})`).join(', ');
  return new IrError(`target '${query}' matches ${matches.length} containers: ${listed}`, {
    code: 'TARGET_AMBIGUOUS',
    source: 'input',
    hint: 'give the full container id (docker ps -a --no-trunc) or more of it',
  });
}
