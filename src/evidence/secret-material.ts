import type { EvidenceItem } from './item.js';

/**
 * Evidence files that may hold secret values, by their path under
 * `evidence/<container>/`, with why. The rule is content: anything the
 * container or its image wrote, raw, may hold a secret. Files of names, sizes
 * and hashes only (tar indexes, diff.json) and the engine's own facts are not
 * marked; a secret used as a file name would still show there.
 */
const SECRET_MATERIAL: { pattern: RegExp; why: string }[] = [
  { pattern: /^inspect\.json$/, why: "Config.Env: the container's environment" },
  { pattern: /^image\.json$/, why: "the image's Config.Env and build history" },
  { pattern: /^top\.json$/, why: 'process command lines, which can carry passwords' },
  { pattern: /^logs\//, why: 'whatever the application printed' },
  { pattern: /\.tar$/, why: 'raw file contents: the filesystem, mounts, engine-managed files' },
];

/** True when the file at `path` (relative to the incident directory) may hold secret material. */
export function holdsSecretMaterial(path: string): boolean {
  const inContainer = path.split('/').slice(2).join('/');
  return path.startsWith('evidence/') && SECRET_MATERIAL.some(({ pattern }) => pattern.test(inContainer));
}

/** The item, marked `secret: true` when its file may hold secret material. */
export function markSecretMaterial(item: EvidenceItem): EvidenceItem {
  return holdsSecretMaterial(item.path) ? { ...item, secret: true } : item;
}
