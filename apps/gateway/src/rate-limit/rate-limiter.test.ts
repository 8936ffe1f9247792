import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import { createRateLimiter, rateLimitHeaders } from './rate-limiter.js';
import type { RateLimitRule } from './types.js';

const ONE: RateLimitRule = { ratePerSecond: 0.001, burst: 1 };

/** True when the second client shares the first one's bucket on `route`. */
async function shareBucket(first: string, second: string, route = 'app'): Promise<boolean> {
  const limiter = createRateLimiter(createMemoryStore({ now: () => 0 }));
  expect((await limiter.check(route, first, ONE)).allowed).toBe(true);
  return !(await limiter.check(route, second, ONE)).allowed;
}

describe('rate limiter', () => {
  it('keeps one bucket per route and client', async () => {
    const limiter = createRateLimiter(createMemoryStore({ now: () => 0 }));
    expect((await limiter.check('app', '192.0.2.1', ONE)).allowed).toBe(true);
    expect((await limiter.check('app', '192.0.2.1', ONE)).allowed).toBe(false);
    expect((await limiter.check('app', '192.0.2.2', ONE)).allowed).toBe(true);
    expect((await limiter.check('api', '192.0.2.1', ONE)).allowed).toBe(true);
  });

  it('counts an IPv4-mapped IPv6 client as its IPv4 address', async () => {
    expect(await shareBucket('192.0.2.1', '::ffff:192.0.2.1')).toBe(true);
  });

  it('gives IPv6 clients one bucket per /64, whatever the spelling', async () => {
    expect(await shareBucket('2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(true);
    expect(await shareBucket('2001:db8:1:2::1', '2001:0DB8:0001:0002:0:0:0:2')).toBe(true);
    expect(await shareBucket('fe80::1%eth0', 'fe80::2')).toBe(true);
    expect(await shareBucket('2001:db8::1', '2001:db8:0:0:1::1')).toBe(true);
    expect(await shareBucket('2001:db8:1:2::1', '2001:db8:1:3::1')).toBe(false);
    expect(await shareBucket('2001:db8::1:2:3:4:5', '2001:db8:0:1::')).toBe(true);
    expect(await shareBucket('::1', '::2')).toBe(true);
    expect(await shareBucket('::1', '1::')).toBe(false);
  });
});

describe('rateLimitHeaders', () => {
  const rule: RateLimitRule = { ratePerSecond: 1, burst: 20 };

  it('sends Retry-After with a refusal', () => {
    expect(rateLimitHeaders({ allowed: false, remaining: 0, retryAfterSeconds: 7 }, rule)).toEqual({
      'retry-after': '7',
      'ratelimit-limit': '20',
      'ratelimit-remaining': '0',
    });
  });

  it('sends only the limit and what is left with an allowed request', () => {
    expect(rateLimitHeaders({ allowed: true, remaining: 12, retryAfterSeconds: 0 }, rule)).toEqual({
      'ratelimit-limit': '20',
      'ratelimit-remaining': '12',
    });
  });
});
