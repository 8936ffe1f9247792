import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import { createRedisStore } from './redis-store.js';
import { connectTestRedis, requireRedis } from '../../test/redis.js';
import type { RateLimitRule, RateLimitStore } from './types.js';

// One suite, every store: what the proxy relies on must hold in memory and in Redis alike. Time passes through
// `advance`: a fake clock for the memory store, real waiting for Redis (whose buckets run on the server's clock).
// Rules are chosen so that real time cannot change an outcome: slow rates where a test expects refusals, and
// waits long enough for at least one whole token where it expects a refill.

interface Opened {
  readonly store: RateLimitStore;
  /** Lets at least `ms` milliseconds pass for the store. */
  advance(ms: number): Promise<void>;
  /** Fails the test if the store had to leave its backend (Redis) during it. */
  assertHealthy(): void;
  close(): Promise<void>;
}

interface StoreCase {
  readonly name: 'memory' | 'redis';
  /** False when the prerequisite is missing locally (requireRedis() warned); the tests are then skipped. */
  readonly available: boolean;
  readonly open: () => Promise<Opened>;
}

const redisUrl = await requireRedis();

const cases: StoreCase[] = [
  {
    name: 'memory',
    available: true,
    open: () => {
      let clock = 1_000_000;
      const store = createMemoryStore({ now: () => clock });
      return Promise.resolve({
        store,
        advance: (ms) => {
          clock += ms;
          return Promise.resolve();
        },
        assertHealthy: () => undefined,
        close: () => store.close(),
      });
    },
  },
  {
    name: 'redis',
    available: redisUrl !== undefined,
    open: async () => {
      if (redisUrl === undefined) throw new Error('Redis is not available');
      const testRedis = connectTestRedis(redisUrl);
      const errors: Error[] = [];
      const store = createRedisStore({
        url: redisUrl,
        keyPrefix: testRedis.keyPrefix,
        onError: (err) => errors.push(err),
      });
      await testRedis.untilStoreWrites(store);
      return {
        store,
        advance: (ms) => sleep(ms),
        assertHealthy: () => expect(errors).toEqual([]),
        close: async () => {
          await store.close();
          await testRedis.close();
        },
      };
    },
  },
];

/** Barely refills during a test: one token per 1000 s. */
const SLOW = 0.001;
let keyNumber = 0;
const freshKey = () => `route-${String(++keyNumber)}|192.0.2.1`;

for (const { name, available, open } of cases) {
  describe.skipIf(!available)(`rate-limit store contract [${name}]`, () => {
    let opened: Opened | undefined;
    const store = (): RateLimitStore => {
      if (opened === undefined) throw new Error('store not opened');
      return opened.store;
    };

    beforeAll(async () => {
      opened = await open();
    });
    afterEach(() => opened?.assertHealthy());
    afterAll(async () => {
      await opened?.close();
    });

    it(`[${name}] allows the burst, counting remaining tokens down, then refuses`, async () => {
      const key = freshKey();
      const rule: RateLimitRule = { ratePerSecond: SLOW, burst: 3 };
      const decisions = [];
      for (let i = 0; i < 5; i++) decisions.push(await store().consume(key, rule));
      expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
        [false, 0],
      ]);
      expect(decisions.slice(0, 3).map((d) => d.retryAfterSeconds)).toEqual([0, 0, 0]);
    });

    it(`[${name}] refills over time, never beyond the burst`, async () => {
      const key = freshKey();
      // One token per 200 ms.
      const rule: RateLimitRule = { ratePerSecond: 5, burst: 1 };
      expect(await store().consume(key, rule)).toMatchObject({ allowed: true, remaining: 0 });
      let refused = false;
      for (let i = 0; i < 10 && !refused; i++) refused = !(await store().consume(key, rule)).allowed;
      expect(refused).toBe(true);
      // Two tokens' worth of time, but the bucket holds one: the token is taken and none is left.
      await opened?.advance(400);
      expect(await store().consume(key, rule)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it(`[${name}] says when to retry: whole seconds until the next token, at least 1`, async () => {
      const key = freshKey();
      // One token per 4 s; the next one is at most 4 s away and more than 3 s for at least a second.
      const slow: RateLimitRule = { ratePerSecond: 0.25, burst: 1 };
      await store().consume(key, slow);
      expect(await store().consume(key, slow)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 4 });

      // One token per 100 ms: still 1 second, never 0 (Retry-After: 0 invites an immediate retry storm).
      const fast: RateLimitRule = { ratePerSecond: 10, burst: 1 };
      const fastKey = freshKey();
      const decisions = await Promise.all(Array.from({ length: 20 }, () => store().consume(fastKey, fast)));
      const refusals = decisions.filter((d) => !d.allowed);
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) expect(refusal.retryAfterSeconds).toBe(1);
    });

    it(`[${name}] keeps keys independent`, async () => {
      const rule: RateLimitRule = { ratePerSecond: SLOW, burst: 1 };
      const a = 'route-a|192.0.2.1';
      const b = 'route-a|192.0.2.2';
      const c = 'route-b|192.0.2.1';
      expect((await store().consume(a, rule)).allowed).toBe(true);
      expect((await store().consume(a, rule)).allowed).toBe(false);
      expect((await store().consume(b, rule)).allowed).toBe(true);
      expect((await store().consume(c, rule)).allowed).toBe(true);
      expect((await store().consume(b, rule)).allowed).toBe(false);
    });

    it(`[${name}] never over-admits concurrent requests on one key`, async () => {
      const key = freshKey();
      const rule: RateLimitRule = { ratePerSecond: SLOW, burst: 10 };
      const decisions = await Promise.all(Array.from({ length: 50 }, () => store().consume(key, rule)));
      const allowed = decisions.filter((d) => d.allowed);
      expect(allowed).toHaveLength(10);
      // Each admitted request saw a different bucket level: no two read the same state.
      expect(allowed.map((d) => d.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const refusal of decisions.filter((d) => !d.allowed)) {
        expect(refusal.remaining).toBe(0);
        expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      }
    });

    it(`[${name}] applies a smaller burst to a bucket filled under a larger one`, async () => {
      const key = freshKey();
      expect(await store().consume(key, { ratePerSecond: SLOW, burst: 10 })).toMatchObject({ remaining: 9 });
      const smaller: RateLimitRule = { ratePerSecond: SLOW, burst: 2 };
      expect(await store().consume(key, smaller)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await store().consume(key, smaller)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await store().consume(key, smaller)).allowed).toBe(false);
    });
  });
}
