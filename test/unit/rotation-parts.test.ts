import { describe, expect, it } from 'vitest';
import { formatSummary, type IncidentSummary } from '../../src/runner/summary.js';
import { generateLocalPassword } from '../../src/secrets/local-password.js';
import { checkReplacement } from '../../src/secrets/new-value.js';
import { uncoveredSecretNames } from '../../src/steps/uncovered-secrets.js';

describe('the parts of secret rotation', () => {
  it('names secret-looking variables no step covers, never values, once each', () => {
    const env = ['GROQ_API_KEY=gsk_x', 'DB_PASSWORD=p', 'PATH=/bin', 'AUTH_TOKEN=t', 'DB_PASSWORD=again', 'EMPTY'];
    expect(uncoveredSecretNames(env, ['GROQ_API_KEY'])).toEqual(['DB_PASSWORD', 'AUTH_TOKEN']);
    expect(uncoveredSecretNames(undefined, [])).toEqual([]);
  });

  it('generates locally with the runbook length and without excluded characters', () => {
    const value = generateLocalPassword({ length: 64, excludeCharacters: 'abcABC123', excludePunctuation: true });
    expect(value).toMatch(/^[D-Zd-z04-9]{64}$/);
    expect(generateLocalPassword({ length: 16, excludePunctuation: true })).not.toBe(
      generateLocalPassword({ length: 16, excludePunctuation: true }));
    expect(() => generateLocalPassword({ length: 8, excludePunctuation: true,
      excludeCharacters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0' })).toThrow(/fewer than 10/);
  });

  it('refuses a replacement that changes the JSON keys or leaves the value as it was', () => {
    const current = JSON.stringify({ api_key: 'old', org: 'desk' });
    const request = { secretId: 's', strategy: 'generate' as const, key: 'api_key' };
    expect(() => checkReplacement(request, current, JSON.stringify({ api_key: 'new', org: 'desk' }))).not.toThrow();
    expect(() => checkReplacement(request, current, JSON.stringify({ api_key: 'new' })))
      .toThrow(expect.objectContaining({ code: 'SECRET_KEYS_WOULD_CHANGE' }));
    expect(() => checkReplacement(request, current, JSON.stringify({ api_key: 'new', org: 'other' })))
      .toThrow(expect.objectContaining({ code: 'SECRET_KEYS_WOULD_CHANGE' }));
    expect(() => checkReplacement(request, current, current))
      .toThrow(expect.objectContaining({ code: 'SECRET_VALUE_UNCHANGED' }));
    const whole = { secretId: 's', strategy: 'supply' as const };
    expect(() => checkReplacement(whole, current, JSON.stringify({ org: 'x', api_key: 'y' }))).not.toThrow();
    expect(() => checkReplacement(whole, current, 'plain'))
      .toThrow(expect.objectContaining({ code: 'SECRET_KEYS_WOULD_CHANGE' }));
  });

  it('ends the human summary with what is left for a person, once each', () => {
    const summary: IncidentSummary = {
      incident: 'IR-1', directory: '/x', target: { container: 'c', id: 'i' }, outcome: 'succeeded',
      evidence: { captured: false, complete: false, missing: [], partial: [] },
      steps: [
        { index: 1, kind: 'capture', outcome: 'succeeded', summary: 'ok', followUps: ['rotate DB_PASSWORD too'] },
        { index: 2, kind: 'rotate-secret', outcome: 'succeeded', summary: 'ok',
          followUps: ['revoke the old key', 'rotate DB_PASSWORD too'] },
      ],
    };
    const lines = formatSummary(summary);
    const at = lines.indexOf('Still to do by hand:');
    expect(lines.slice(at, at + 4)).toEqual(['Still to do by hand:', '  - rotate DB_PASSWORD too',
      '  - revoke the old key', 'Incident directory: /x']);
  });
});
