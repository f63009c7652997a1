import { describe, expect, it } from 'vitest';
import { loadRunbook, parseRunbook } from '../../src/runbook/load-runbook.js';

const valid = `name: t
target:
  container: app
steps:
  - isolate: {}
  - capture:
      logs: false
  - terminate:
  - rotate-secret:
      secretId: app/key
`;

function errorOf(text: string): string {
  try {
    parseRunbook(text, 'rb.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the runbook to be refused');
}

describe('runbook validation', () => {
  it('fills every default so a bare step is a whole step', () => {
    const runbook = parseRunbook(valid, 'rb.yaml');
    expect(runbook.steps.map((step) => step.kind)).toEqual(['isolate', 'capture', 'terminate', 'rotate-secret']);
    expect(runbook.steps[0]!.params).toEqual({ networks: 'all', freeze: false, fallback: 'pause' });
    expect(runbook.steps[1]!.params).toEqual({
      logs: false, filesystem: true, mounts: true, mountSizeLimit: 2 ** 30, mountTimeout: 120, snapshot: false,
    });
    expect(runbook.steps[2]!.params).toEqual({ stopTimeout: 10 });
    expect(runbook.steps[3]!.params).toMatchObject({ store: 'aws', strategy: 'generate' });
  });

  it('names the file, the line and a suggestion for an unknown step kind', () => {
    const text = valid.replace('  - terminate:', '  - terminat:');
    expect(errorOf(text)).toBe(
      "invalid runbook rb.yaml:8: unknown step kind 'terminat' (did you mean 'terminate'?); " +
        'known kinds: isolate, capture, terminate, rotate-secret',
    );
  });

  it('points at an unknown parameter key inside a step', () => {
    const text = valid.replace('logs: false', 'logs: false\n      filesytem: true');
    expect(errorOf(text)).toMatch(/^invalid runbook rb\.yaml:8: capture: unknown key 'filesytem'.*did you mean 'filesystem'/);
  });

  it('names the step an unknown key belongs to, and what a value may be', () => {
    expect(errorOf(valid.replace('  - isolate: {}', '  - isolate:\n      freez: true'))).toMatch(
      /rb\.yaml:6: isolate: unknown key 'freez' at the isolate step \(did you mean 'freeze'\?\)/,
    );
    expect(errorOf(valid.replace('  - isolate: {}', '  - isolate:\n      networks: backend'))).toMatch(
      /isolate: 'networks': use 'all' or a list of network names/,
    );
  });

  it('points at an unknown top-level key', () => {
    expect(errorOf(`stepz: []\n${valid}`)).toMatch(/rb\.yaml:1: unknown key 'stepz'/);
  });

  it('refuses a wrong value type at its line', () => {
    const text = valid.replace('  - terminate:', '  - terminate:\n      stopTimeout: soon');
    expect(errorOf(text)).toMatch(/rb\.yaml:9: terminate: 'stopTimeout': .*expected number/);
  });

  it('refuses a missing target and a missing secretId', () => {
    expect(errorOf(valid.replace('target:\n  container: app\n', ''))).toMatch(/'target' is required/);
    expect(errorOf(valid.replace('secretId: app/key', 'strategy: supply'))).toMatch(
      /rotate-secret: 'secretId' is required/,
    );
  });

  it('refuses an unknown secret store, and keys that do not fit the store or strategy', () => {
    const step = (extra: string) => errorOf(valid.replace('secretId: app/key', `secretId: a\n      ${extra}`));
    expect(step('store: vault')).toMatch(/use store 'aws' or 'swarm'/);
    expect(step('store: swarm\n      strategy: lambda')).toMatch(/'strategy': store 'swarm' has no rotation function/);
    expect(step('store: swarm\n      key: api_key')).toMatch(/'key': store 'swarm' cannot read/);
    expect(step('strategy: supply\n      length: 40')).toMatch(/'length' goes with strategy 'generate'/);
    expect(step('strategy: generate\n      timeout: 40')).toMatch(/'timeout' goes with strategy 'lambda' or store/);
  });

  it('reads the rotation keys of each strategy', () => {
    const params = (extra: string) => parseRunbook(valid.replace('secretId: app/key', `secretId: a\n      ${extra}`),
      'rb.yaml').steps[3]!.params;
    expect(params('strategy: generate\n      length: 40\n      excludeCharacters: "0O"')).toMatchObject({
      strategy: 'generate', length: 40, excludeCharacters: '0O', clearStalePending: false,
    });
    expect(params('strategy: lambda\n      timeout: 900')).toMatchObject({ strategy: 'lambda', timeout: 900 });
    expect(params('store: swarm\n      strategy: generate')).toMatchObject({ store: 'swarm' });
  });

  it('reads mount size limits with units, and refuses nonsense', () => {
    const limit = (value: string) => parseRunbook(valid.replace('logs: false', `mountSizeLimit: ${value}`), 'rb.yaml')
      .steps[1]!.params;
    expect(limit('500MiB')).toMatchObject({ mountSizeLimit: 500 * 2 ** 20 });
    expect(limit('2GB')).toMatchObject({ mountSizeLimit: 2e9 });
    expect(limit('4096')).toMatchObject({ mountSizeLimit: 4096 });
    expect(errorOf(valid.replace('logs: false', 'mountSizeLimit: lots'))).toMatch(/rb\.yaml:7: capture: 'mountSizeLimit'/);
  });

  it('refuses broken YAML with its line', () => {
    expect(errorOf('name: [unclosed\n')).toMatch(/^invalid runbook rb\.yaml:\d+: not valid YAML/);
  });

  it('says plainly when the file cannot be read', async () => {
    await expect(loadRunbook('/nonexistent/rb.yaml')).rejects.toThrow(/cannot read runbook .*ENOENT/);
  });

  it('accepts the shipped autotrader runbook', async () => {
    const runbook = await loadRunbook('runbooks/autotrader.yaml');
    expect(runbook.target.container).toBe('autotrader');
    expect(runbook.steps.at(-1)).toMatchObject({
      kind: 'rotate-secret', params: { secretId: 'autotrader/groq-key', env: 'GROQ_API_KEY', strategy: 'supply' },
    });
  });
});
