import { describe, expect, it } from 'vitest';
import { redact, retryAfterMs } from '../../alerts/http-failure.js';

describe('retryAfterMs', () => {
  const now = new Date('2026-11-26T10:00:00Z');

  it('reads delay-seconds as milliseconds', () => {
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(retryAfterMs('Thu, 26 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('gives nothing for an absent or unreadable header', () => {
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
  });
});

describe('redact', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redact('key abc and abc, token xyz', ['abc', 'xyz', ''])).toBe('key [redacted] and [redacted], token [redacted]');
  });
});
