import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/redactor.js';

describe('the redactor', () => {
  it('learns secret-looking variables from a container environment, and named ones', () => {
    const redactor = new Redactor();
    redactor.addEnvironment(['GROQ_API_KEY=gsk_fake_123456', 'PATH=/usr/bin', 'FEED=opaque-value-1'], ['FEED']);
    expect(redactor.redact('k=gsk_fake_123456 p=/usr/bin f=opaque-value-1')).toBe('k=[REDACTED] p=/usr/bin f=[REDACTED]');
  });

  it('removes a longer secret whole even when it contains a shorter one', () => {
    const redactor = new Redactor();
    redactor.add('abcd');
    redactor.add('abcdefgh');
    expect(redactor.redact('x abcdefgh y')).toBe('x [REDACTED] y');
  });

  it('redacts keys and values inside structured details', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-value');
    expect(redactor.redactValue({ a: ['s3cr3t-value'], 's3cr3t-value': 1 })).toEqual({
      a: ['[REDACTED]'], '[REDACTED]': 1,
    });
  });
});
