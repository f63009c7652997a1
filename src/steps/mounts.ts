import type Docker from 'dockerode';

/** A mount `docker export` leaves out, and so capture must read on its own. */
export interface MountToCapture {
  type: 'tmpfs' | 'volume' | 'bind';
  destination: string;
  /** A file name for the mount's tar: the path with separators turned into dashes. */
  safeName: string;
}

/** Every tmpfs (from --tmpfs and --mount type=tmpfs, and its own /dev/shm), volume and bind mount of the container. */
export function listMounts(info: Docker.ContainerInspectInfo): MountToCapture[] {
  const found = new Map<string, MountToCapture['type']>();
  for (const destination of Object.keys(info.HostConfig.Tmpfs ?? {})) found.set(destination, 'tmpfs');
  for (const mount of info.Mounts ?? []) {
    const type = mount.Type as string;
    if (type === 'tmpfs' || type === 'volume' || type === 'bind') found.set(mount.Destination, type);
  }
  // The engine gives each container a /dev/shm tmpfs of its own without listing it among Mounts.
  if (!found.has(SHM) && ownIpcNamespace(info)) found.set(SHM, 'tmpfs');
  const used = new Set<string>();
  return [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([destination, type]) => ({ type, destination, safeName: uniqueSafeName(destination, used) }));
}

const SHM = '/dev/shm';

function ownIpcNamespace(info: Docker.ContainerInspectInfo): boolean {
  const mode = info.HostConfig.IpcMode ?? '';
  return mode === '' || mode === 'private' || mode === 'shareable';
}

/** Why /dev/shm is not the container's own to capture, when it shares another IPC namespace. */
export function sharedShmReason(info: Docker.ContainerInspectInfo): string | undefined {
  const mode = info.HostConfig.IpcMode ?? '';
  if (mode === 'host') return "it shares the host's IPC namespace (--ipc host): /dev/shm is the host's, not copied";
  if (mode.startsWith('container:')) {
    return `it shares the IPC namespace of ${mode.slice('container:'.length)}: capture that container's /dev/shm`;
  }
  return undefined;
}

function uniqueSafeName(destination: string, used: Set<string>): string {
  const base = destination.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'root';
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}
