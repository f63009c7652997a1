/**
 * The index line format shared by capture and `ir evidence verify`, and the
 * parser both read tars with, so they cannot disagree about either.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { extract, type Extract } from 'tar-stream';

/** One entry as tar-stream yields it: a stream of its content with its header. */
export type TarStreamEntry = Extract extends AsyncIterable<infer Source> ? Source : never;

/** One line of an index file. */
export interface TarIndexEntry {
  /** The name as UTF-8; when its bytes are not valid UTF-8, each stray byte is written `\ooo` as `tar -tv` shows it. */
  path: string;
  /** The name's exact bytes, only when they are not valid UTF-8. */
  pathBase64?: string;
  type: string;
  size: number;
  /** Permission bits including setuid/setgid/sticky, e.g. `"0755"`. */
  mode: string;
  uid: number;
  gid: number;
  mtime: string | null;
  /** Like `path`, for link targets; `linknameBase64` likewise. */
  linkname?: string;
  linknameBase64?: string;
  sha256?: string;
}

/** The parts of tar-stream's parser that decode PAX records, which it always reads as UTF-8. */
interface PaxDecoder {
  _header: { type: string } | null;
  _pax: Record<string, string> | null;
  _paxGlobal: Record<string, string> | null;
  _decodeLongHeader(buf: Buffer): void;
}

/**
 * A tar-stream parser whose entry names and link names are latin1 strings of
 * their raw bytes, whether they came from the ustar header, a GNU long name
 * or a PAX record. Docker writes any name that is not ASCII as a PAX record
 * of raw bytes, and tar-stream would decode those as UTF-8, turning every
 * invalid byte into U+FFFD so that different names index the same.
 */
export function extractRawNames(): Extract {
  // tar-stream's own typings omit the option its README documents.
  const parser = extract({ filenameEncoding: 'latin1' } as Parameters<typeof extract>[0]);
  const decoder = parser as unknown as PaxDecoder;
  const decodeLongHeader = decoder._decodeLongHeader;
  // Fail loudly if a tar-stream upgrade renames this, rather than index names lossily again.
  if (typeof decodeLongHeader !== 'function') {
    throw new Error('tar-stream has no _decodeLongHeader: cannot read raw names');
  }
  decoder._decodeLongHeader = function (this: PaxDecoder, buf: Buffer) {
    decodeLongHeader.call(this, buf);
    const type = this._header?.type;
    const pax = type === 'pax-header' ? this._pax : type === 'pax-global-header' ? this._paxGlobal : null;
    if (!pax) return;
    for (const [key, raw] of rawPaxNames(buf)) if (pax[key] !== undefined) pax[key] = raw;
  };
  return parser;
}

/** The `path` and `linkpath` records of a PAX header as latin1 strings, split the way tar-stream splits them. */
function rawPaxNames(buf: Buffer): Array<[string, string]> {
  const names: Array<[string, string]> = [];
  for (let rest = buf; rest.length > 0;) {
    const space = rest.indexOf(0x20);
    const length = Number.parseInt(rest.subarray(0, space === -1 ? rest.length : space).toString('latin1'), 10);
    if (!length || space === -1) break;
    const record = rest.subarray(space + 1, length - 1);
    const equals = record.indexOf(0x3d);
    if (equals === -1) break;
    const key = record.subarray(0, equals).toString('latin1');
    if (key === 'path' || key === 'linkpath') names.push([key, record.subarray(equals + 1).toString('latin1')]);
    rest = rest.subarray(length);
  }
  return names;
}

/**
 * Reads an entry to its end and describes it as one index line. The entry
 * must come from `extractRawNames()`, in capture and verification alike.
 */
export async function describeTarEntry(entry: TarStreamEntry): Promise<TarIndexEntry> {
  const header = entry.header;
  const hash = createHash('sha256');
  for await (const chunk of entry) hash.update(chunk as Buffer);
  // Unknown type flags arrive as null whatever the typings say.
  const type: string = header.type ?? 'unknown';
  const path = indexedName(header.name);
  const described: TarIndexEntry = {
    path: path.text,
    ...(path.base64 === undefined ? {} : { pathBase64: path.base64 }),
    type,
    size: header.size,
    mode: (header.mode & 0o7777).toString(8).padStart(4, '0'),
    uid: header.uid,
    gid: header.gid,
    mtime: Number.isNaN(header.mtime.getTime()) ? null : header.mtime.toISOString(),
  };
  if ((type === 'link' || type === 'symlink') && header.linkname) {
    const linkname = indexedName(header.linkname);
    described.linkname = linkname.text;
    if (linkname.base64 !== undefined) described.linknameBase64 = linkname.base64;
  }
  if (type === 'file' || type === 'contiguous-file') described.sha256 = hash.digest('hex');
  return described;
}

/** A name as the index records it: UTF-8 text, plus the exact bytes only when they are not UTF-8. */
function indexedName(latin1: string): { text: string; base64?: string } {
  // A character above U+00FF means the entry came from a parser that had already decoded the bytes.
  if (/[^\u0000-\u00ff]/.test(latin1)) throw new Error('tar entry names must be read with extractRawNames()');
  const raw = Buffer.from(latin1, 'latin1');
  if (isUtf8(raw)) return { text: raw.toString('utf8') };
  return { text: escapeInvalidUtf8(raw), base64: raw.toString('base64') };
}

/** Valid UTF-8 sequences as text and every other byte as `\ooo`, as GNU tar lists such names. */
function escapeInvalidUtf8(raw: Buffer): string {
  let text = '';
  for (let at = 0; at < raw.length;) {
    const length = sequenceLength(raw[at]!);
    const sequence = raw.subarray(at, at + length);
    if (length > 0 && sequence.length === length && isUtf8(sequence)) {
      text += sequence.toString('utf8');
      at += length;
    } else {
      text += `\\${raw[at]!.toString(8).padStart(3, '0')}`;
      at += 1;
    }
  }
  return text;
}

/** How many bytes a UTF-8 sequence starting with `lead` has; 0 when no sequence can start with it. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
