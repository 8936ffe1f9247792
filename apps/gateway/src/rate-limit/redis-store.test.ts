import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisStore } from './redis-store.js';
import { connectTestRedis, requireRedis, type TestRedis } from '../../test/redis.js';
import type { RateLimitDecision, RateLimitRule, RateLimitStore } from './types.js';

// What only the Redis store has: sharing buckets between gateways, expiring idle keys, closing its connection,
// and limiting in memory (never hanging, never failing open) while Redis is away.
// The behaviour every store shares is in rate-limit-store.contract.test.ts.

const redisUrl = await requireRedis();

/** Fails instead of hanging when a consume does not settle: the store promises a prompt answer. */
const settles = <T>(promise: Promise<T>): Promise<T> =>
  Promise.race([
    promise,
    sleep(2000, undefined, { ref: false }).then(() => {
      throw new Error('consume did not settle within 2 s');
    }),
  ]);

/** Takes `count` tokens one after another. */
const takeMany = async (store: RateLimitStore, key: string, rule: RateLimitRule, count: number) => {
  const decisions: RateLimitDecision[] = [];
  for (let i = 0; i < count; i++) decisions.push(await settles(store.consume(key, rule)));
  return decisions.map((d) => d.allowed);
};

const SLOW_BURST_3: RateLimitRule = { ratePerSecond: 0.001, burst: 3 };

describe('redis rate-limit store: options', () => {
  it.each([
    ['http://127.0.0.1:6379', /must start with redis:\/\/ or rediss:\/\//],
    ['127.0.0.1:6379', /must be a redis:\/\/ or rediss:\/\/ URL/],
    ['', /must be a redis:\/\/ or rediss:\/\/ URL/],
    ['redis://', /has no host/],
  ])('rejects the url %j', (url, message) => {
    expect(() => createRedisStore({ url })).toThrow(message);
  });

  it('rejects invalid timeouts, prefixes and callbacks', () => {
    const url = 'redis://127.0.0.1:1';
    expect(() => createRedisStore({ url, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs must be a positive integer/);
    expect(() => createRedisStore({ url, retryAfterFailureMs: 2.5 })).toThrow(/retryAfterFailureMs/);
    expect(() => createRedisStore({ url, keyPrefix: 1 as unknown as string })).toThrow(/keyPrefix must be a string/);
    expect(() => createRedisStore({ url, onError: 'log' as unknown as () => void })).toThrow(
      /onError must be a function/,
    );
  });

  it('does not echo a password from an invalid url', () => {
    expect(() => createRedisStore({ url: 'http://user:s3cret@host' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') as string }),
    );
  });
});

describe('redis rate-limit store: Redis unreachable', () => {
  it('limits in memory, reports the outage once, and never hangs', async () => {
    const onError = vi.fn();
    const store = createRedisStore({ url: 'redis://127.0.0.1:1', onError });
    try {
      expect(await takeMany(store, 'route|192.0.2.1', SLOW_BURST_3, 4)).toEqual([true, true, true, false]);
      expect(await takeMany(store, 'route|192.0.2.2', SLOW_BURST_3, 1)).toEqual([true]);
      await vi.waitFor(() => expect(onError).toHaveBeenCalled());
      // Several reconnects fail meanwhile (one every 100 to 300 ms): still one report for the one outage.
      await sleep(700);
      expect(await takeMany(store, 'route|192.0.2.1', SLOW_BURST_3, 1)).toEqual([false]);
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(Error);
    } finally {
      await settles(store.close());
    }
  });
});

describe.skipIf(redisUrl === undefined)('redis rate-limit store [redis]', () => {
  let testRedis: TestRedis;
  const url = redisUrl ?? '';

  /** Opens a store on the test prefix and waits until its connection is ready (before that it limits in memory). */
  const openStore = async (
    options: { url?: string; connectionName?: string; onError?: (err: Error) => void; onRecover?: () => void } = {},
  ) => {
    const store = createRedisStore({ url, keyPrefix: testRedis.keyPrefix, ...options });
    await testRedis.untilStoreWrites(store);
    return store;
  };

  beforeAll(() => {
    testRedis = connectTestRedis(url);
  });
  afterAll(async () => {
    await testRedis.close();
  });

  it('[redis] shares buckets between stores on the same prefix, as several gateways do', async () => {
    const gatewayA = await openStore();
    const gatewayB = await openStore();
    try {
      const key = 'shared|192.0.2.1';
      expect(await takeMany(gatewayA, key, SLOW_BURST_3, 2)).toEqual([true, true]);
      expect(await takeMany(gatewayB, key, SLOW_BURST_3, 2)).toEqual([true, false]);
      expect(await takeMany(gatewayA, key, SLOW_BURST_3, 1)).toEqual([false]);
    } finally {
      await gatewayA.close();
      await gatewayB.close();
    }
  });

  it('[redis] lets an idle bucket expire once it would be full again', async () => {
    const store = await openStore();
    try {
      const key = `${testRedis.keyPrefix}expiring|192.0.2.1`;
      // One token taken from a burst of 10 at 1 per second: full again after 1 s.
      await store.consume('expiring|192.0.2.1', { ratePerSecond: 1, burst: 10 });
      const ttl = await testRedis.client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1000);
      await vi.waitFor(async () => expect(await testRedis.client.exists(key)).toBe(0), { timeout: 5000 });
    } finally {
      await store.close();
    }
  });

  it('[redis] close() disconnects from Redis', async () => {
    const connectionName = `rustronaut-test-close-${String(process.pid)}`;
    const store = await openStore({ connectionName });
    expect(await testRedis.client.client('LIST')).toContain(`name=${connectionName} `);
    await store.close();
    await vi.waitFor(async () =>
      expect(await testRedis.client.client('LIST')).not.toContain(`name=${connectionName} `),
    );
  });

  it('[redis] limits in memory while Redis is away, then goes back to the buckets in Redis', async () => {
    const proxy = await startProxy(new URL(url));
    const onError = vi.fn();
    const onRecover = vi.fn();
    const store = await openStore({ url: proxy.url, onError, onRecover });
    try {
      expect(await takeMany(store, 'k|192.0.2.1', SLOW_BURST_3, 4)).toEqual([true, true, true, false]);
      expect(await takeMany(store, 'l|192.0.2.1', SLOW_BURST_3, 4)).toEqual([true, true, true, false]);

      proxy.cut();
      await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
      // A fresh in-process bucket: the same limit, counted locally.
      expect(await takeMany(store, 'k|192.0.2.1', SLOW_BURST_3, 4)).toEqual([true, true, true, false]);

      proxy.restore();
      await vi.waitFor(
        async () => {
          await settles(store.consume('probe', { ratePerSecond: 1, burst: 1_000_000 }));
          expect(onRecover).toHaveBeenCalledTimes(1);
        },
        { timeout: 10_000, interval: 50 },
      );
      // Redis still holds the exhausted bucket (an in-process one would be full).
      expect(await takeMany(store, 'l|192.0.2.1', SLOW_BURST_3, 1)).toEqual([false]);
      expect(onError).toHaveBeenCalledTimes(1);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('[redis] answers from memory when Redis stops replying, without waiting longer than the command timeout', async () => {
    const proxy = await startProxy(new URL(url));
    const onError = vi.fn();
    const store = await openStore({ url: proxy.url, onError });
    try {
      expect(await takeMany(store, 'm|192.0.2.1', SLOW_BURST_3, 1)).toEqual([true]);
      proxy.stall();
      // Redis would say 1 token is left; the in-process bucket is fresh, so the three answers show where they came from.
      expect(await takeMany(store, 'm|192.0.2.1', SLOW_BURST_3, 4)).toEqual([true, true, true, false]);
      expect(onError).toHaveBeenCalledTimes(1);
      expect(String(onError.mock.calls[0]?.[0])).toMatch(/timed out/i);
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});

/** A TCP relay to Redis that a test can cut (refuse and drop connections) or stall (swallow bytes). */
async function startProxy(target: URL) {
  const sockets = new Set<Socket>();
  let mode: 'open' | 'cut' | 'stall' = 'open';
  const server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (mode === 'open') to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `redis://127.0.0.1:${String(port)}`,
    cut: () => {
      mode = 'cut';
      dropAll();
    },
    stall: () => {
      mode = 'stall';
    },
    restore: () => {
      mode = 'open';
    },
    close: () => {
      dropAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
