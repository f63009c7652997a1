import { createHash } from 'node:crypto';
import type { Extract } from 'tar-stream';

/** One entry as tar-stream yields it: a stream of its content with its header. */
export type TarStreamEntry = Extract extends AsyncIterable<infer Source> ? Source : never;

/** One line of an index file. */
export interface TarIndexEntry {
  path: string;
  type: string;
  size: number;
  /** Permission bits including setuid/setgid/sticky, e.g. `"0755"`. */
  mode: string;
  uid: number;
  gid: number;
  mtime: string | null;
  linkname?: string;
  sha256?: string;
}

/**
 * Reads an entry to its end and describes it as one index line. Capture and
 * verification both use this, so they cannot disagree about the format.
 */
export async function describeTarEntry(entry: TarStreamEntry): Promise<TarIndexEntry> {
  const header = entry.header;
  const hash = createHash('sha256');
  for await (const chunk of entry) hash.update(chunk as Buffer);
  // Unknown type flags arrive as null whatever the typings say.
  const type: string = header.type ?? 'unknown';
  const described: TarIndexEntry = {
    path: header.name,
    type,
    size: header.size,
    mode: (header.mode & 0o7777).toString(8).padStart(4, '0'),
    uid: header.uid,
    gid: header.gid,
    mtime: Number.isNaN(header.mtime.getTime()) ? null : header.mtime.toISOString(),
  };
  if ((type === 'link' || type === 'symlink') && header.linkname) described.linkname = header.linkname;
  if (type === 'file' || type === 'contiguous-file') described.sha256 = hash.digest('hex');
  return described;
}
