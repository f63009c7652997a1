import { describe, expect, it } from 'vitest';
import { matchesOf } from '../../src/docker/find-target.js';

const A = { id: `abc1${'0'.repeat(60)}`, name: 'web' };
const B = { id: `abc2${'1'.repeat(60)}`, name: 'db' };
const C = { id: `f00d${'2'.repeat(60)}`, name: 'abc' };

describe('matching a target against the container list', () => {
  it('finds one container by full id, name or unique short id', () => {
    expect(matchesOf([A, B, C], A.id)).toEqual([A]);
    expect(matchesOf([A, B, C], 'db')).toEqual([B]);
    expect(matchesOf([A, B, C], 'abc1')).toEqual([A]);
  });

  it('returns every container a short id could mean', () => {
    expect(matchesOf([A, B], 'abc')).toEqual([A, B]);
  });

  it('counts a name that is also an id prefix as ambiguous', () => {
    expect(matchesOf([A, B, C], 'abc')).toEqual([C, A, B]);
  });

  it('does not treat a name as a prefix when it is not hexadecimal', () => {
    expect(matchesOf([A, B], 'web-1')).toEqual([]);
  });
});
