import type Docker from 'dockerode';
import { IrError } from '../errors.js';
import { dockerStatus, toDockerError } from './docker-errors.js';

/** The container the incident acts on, as the engine named it at the start. */
export interface TargetContainer {
  id: string;
  /** Without the leading slash the engine puts there. */
  name: string;
  image: string;
  /** The image's content id: the tag in `image` can later point elsewhere. */
  imageId?: string;
  state: string;
  /** Absent when the container is already gone and only steps that do not need it run. */
  info?: Docker.ContainerInspectInfo;
}

/** A target that no longer exists: what is left of it is its name. */
export function goneContainer(name: string): TargetContainer {
  return { id: '', name, image: '', state: 'gone' };
}

/** Inspects a container by name or id; a missing one is a clear input error. */
export async function resolveContainer(docker: Docker, nameOrId: string): Promise<TargetContainer> {
  try {
    const info = await docker.getContainer(nameOrId).inspect();
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      imageId: info.Image,
      state: info.State.Status,
      info,
    };
  } catch (error) {
    if (dockerStatus(error) === 404) {
      throw new IrError(`no container named or with id '${nameOrId}' on this Docker engine`, {
        code: 'CONTAINER_NOT_FOUND',
        source: 'input',
        hint: 'check `docker ps -a`, the runbook target, or DOCKER_HOST',
      });
    }
    throw toDockerError(error);
  }
}
