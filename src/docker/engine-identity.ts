import type Docker from 'dockerode';

/** Which engine the evidence came from, for the chain of custody. */
export interface EngineIdentity {
  engineId: string;
  hostName: string;
  engineVersion: string;
  apiVersion: string;
  os: string;
  kernelVersion: string;
  storageDriver: string;
  loggingDriver: string;
}

/** `docker version` and `docker info`, reduced to the facts an investigator needs. */
export async function readEngineIdentity(docker: Docker): Promise<EngineIdentity> {
  const [version, info] = await Promise.all([docker.version(), docker.info()]);
  return {
    engineId: String(info.ID ?? ''),
    hostName: String(info.Name ?? ''),
    engineVersion: version.Version,
    apiVersion: version.ApiVersion,
    os: String(info.OperatingSystem ?? version.Os),
    kernelVersion: version.KernelVersion,
    storageDriver: String(info.Driver ?? ''),
    loggingDriver: String(info.LoggingDriver ?? ''),
  };
}
