import { isMap, isNode, isPair, isScalar, type Document, type LineCounter } from 'yaml';
import type { z } from 'zod';
import { suggest } from './suggest.js';

export type YamlPath = (string | number)[];

/** The 1-based line of the node at `path`, or of the key `key` inside it. */
export function locate(doc: Document, lines: LineCounter, path: YamlPath, key?: string): number | undefined {
  let node: unknown = doc.contents;
  for (let depth = path.length; depth >= 0; depth--) {
    node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node)) break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
  }
  return isNode(node) && node.range ? lines.linePos(node.range[0]).line : undefined;
}

/** Turns a zod issue into a path, the offending key if any, and a plain message. */
export function describeIssue(
  issue: z.core.$ZodIssue,
  knownKeys: string[] = [],
  scope = 'the top level',
): { path: YamlPath; key?: string; message: string } {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  const at = path.length > 0 ? `'${path.join('.')}'` : scope;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = knownKeys.length > 0 ? `; allowed: ${knownKeys.join(', ')}` : '';
    return { path, key, message: `unknown key '${key}' at ${at}${suggest(key, knownKeys)}${known}` };
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return { path, message: `${at} is required` };
  }
  return { path, message: `${at}: ${issue.message}` };
}
