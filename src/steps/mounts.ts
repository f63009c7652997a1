import type Docker from 'dockerode';

/** A mount `docker export` leaves out, and so capture must read on its own. */
export interface MountToCapture {
  type: 'tmpfs' | 'volume' | 'bind';
  destination: string;
  /** A file name for the mount's tar: the path with separators turned into dashes. */
  safeName: string;
}

/** Every tmpfs (from --tmpfs and --mount type=tmpfs), volume and bind mount of the container. */
export function listMounts(info: Docker.ContainerInspectInfo): MountToCapture[] {
  const found = new Map<string, MountToCapture['type']>();
  for (const destination of Object.keys(info.HostConfig.Tmpfs ?? {})) found.set(destination, 'tmpfs');
  for (const mount of info.Mounts ?? []) {
    const type = mount.Type as string;
    if (type === 'tmpfs' || type === 'volume' || type === 'bind') found.set(mount.Destination, type);
  }
  const used = new Set<string>();
  return [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([destination, type]) => ({ type, destination, safeName: uniqueSafeName(destination, used) }));
}

function uniqueSafeName(destination: string, used: Set<string>): string {
  const base = destination.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'root';
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}
