import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { RateLimitStore } from '../src/rate-limit/types.js';

// Test support for the Redis store's tests (outside src/, so it is not built into dist)
// (it mirrors testkit's requirePostgres()). Not used by the gateway itself.

let warned = false;

/**
 * Decides whether Redis tests run, for `describe.skipIf(!url)`: returns `RUSTRONAUT_TEST_REDIS_URL` (default
 * `redis://127.0.0.1:6379`) when that server answers PING. When it does not: under CI (`CI=true`) it throws, because
 * there a missing prerequisite is a failure, not a skip; locally it warns loudly on stderr and returns undefined.
 */
export async function requireRedis(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const url = env['RUSTRONAUT_TEST_REDIS_URL']?.trim() || 'redis://127.0.0.1:6379';
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The socket's error (ECONNREFUSED, ...) says more than the rejected connect() ("Connection is closed").
  let socketError: Error | undefined;
  client.on('error', (err: Error) => {
    socketError ??= err;
  });
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch (err) {
    const why = socketError ?? err;
    const reason = `Redis at ${url} is not reachable (${why instanceof Error ? why.message : String(why)})`;
    if (env['CI'] === 'true') {
      throw new Error(`Redis tests cannot run: ${reason}; set RUSTRONAUT_TEST_REDIS_URL`, { cause: err });
    }
    if (!warned) {
      warned = true;
      process.stderr.write(`\n*** WARNING: Redis tests SKIPPED: ${reason}; under CI=true this fails ***\n`);
    }
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** A connection for a test file to look at what a store wrote, under a key prefix of its own. */
export interface TestRedis {
  /** Plain client (no prefix), for checking keys and clients. */
  readonly client: Redis;
  /** `rustronaut-test:<random>:`, unique to this run so parallel runs never share buckets. */
  readonly keyPrefix: string;
  /**
   * Resolves once `store` (a Redis store on `keyPrefix`) writes its buckets to Redis: until its connection is ready
   * it limits in memory. Throws if that takes more than about 2 s.
   */
  untilStoreWrites(store: RateLimitStore): Promise<void>;
  /** Deletes every key under `keyPrefix`, then disconnects. */
  close(): Promise<void>;
}

/** Connects to the test server at `url` (from {@link requireRedis}) and picks a fresh key prefix. */
export function connectTestRedis(url: string): TestRedis {
  const client = new Redis(url);
  const keyPrefix = `rustronaut-test:${randomBytes(6).toString('hex')}:`;
  return {
    client,
    keyPrefix,
    async untilStoreWrites(store) {
      const probe = `ready-probe-${randomBytes(4).toString('hex')}`;
      for (let attempt = 0; (await client.exists(`${keyPrefix}${probe}`)) === 0; attempt++) {
        if (attempt === 100) throw new Error('the Redis store never wrote to Redis');
        await store.consume(probe, { ratePerSecond: 1, burst: 1_000_000 });
        await sleep(20);
      }
    },
    async close() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await client.quit();
    },
  };
}
