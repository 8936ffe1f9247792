import { describe, expect, it } from 'vitest';
import { isRateLimited, RATE_LIMITED_MS, renewalDue, retryDelayMs, RETRY_BASE_MS, RETRY_MAX_MS } from './renewal.js';

describe('renewal timing', () => {
  it('is due at two thirds of the lifetime (day 60 of 90)', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-04-01T00:00:00Z');
    expect(renewalDue(from, to).toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });

  it('doubles the retry delay per failure up to the cap, with jitter between half and all of it', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, false, () => 1))).toEqual(
      [1, 2, 4, 8].map((k) => k * RETRY_BASE_MS),
    );
    expect(retryDelayMs(1, false, () => 0)).toBe(RETRY_BASE_MS / 2);
    expect(retryDelayMs(40, false, () => 1)).toBe(RETRY_MAX_MS);
    expect(retryDelayMs(40, false, () => 0)).toBe(RETRY_MAX_MS / 2);
  });

  it('waits at least an hour after a rate limit', () => {
    expect(retryDelayMs(1, true, () => 0)).toBe(RATE_LIMITED_MS);
    expect(retryDelayMs(20, true, () => 1)).toBe(RETRY_MAX_MS);
    expect(isRateLimited('urn:ietf:params:acme:error:rateLimited: too many certificates already issued')).toBe(true);
    expect(isRateLimited('Error creating new order :: too many failed authorizations recently')).toBe(true);
    expect(isRateLimited('connection refused')).toBe(false);
  });
});
