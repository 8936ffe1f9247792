import type { RateLimitDecision, RateLimitRule, RateLimitStore } from './types.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock in milliseconds; tests inject one. Default: `performance.now()`, which never jumps with the wall clock. */
  readonly now?: (() => number) | undefined;
  /** Most buckets kept at once (default 100,000); when full, the oldest bucket is dropped for a new key. */
  readonly maxKeys?: number | undefined;
  /** How often buckets that have refilled completely are dropped, in milliseconds (default 10,000). */
  readonly sweepIntervalMs?: number | undefined;
}

/** A store whose buckets live in this process; it also answers synchronously. */
export interface MemoryRateLimitStore extends RateLimitStore {
  /** {@link RateLimitStore.consume} without the promise, for a hot path that can use the answer at once. */
  consumeSync(key: string, rule: RateLimitRule): RateLimitDecision;
  /** Buckets held right now (at most `maxKeys`), e.g. for a gauge. */
  readonly size: number;
}

/** One bucket. Mutated in place so that a request for a known key allocates nothing but its decision. */
interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  updatedAt: number;
  /** When the bucket will be full again if nobody takes from it: from then on it equals a missing bucket. */
  fullAt: number;
}

/**
 * Creates an in-process token-bucket store: buckets refill lazily when a key is consumed (no timer per key).
 *
 * Memory stays bounded whatever keys arrive. A bucket that has refilled completely is indistinguishable from no
 * bucket, so a periodic sweep (its timer unref'd, so it never keeps the process alive) drops those. And the map never
 * holds more than `maxKeys` buckets: a new key arriving when it is full evicts the oldest bucket (in insertion order;
 * a swept key that comes back counts as new). An evicted key starts again from a full bucket, so a flood of
 * distinct source addresses can at worst make limits more lenient for the oldest keys; it can never grow memory or
 * refuse a client that has not used its own budget.
 *
 * Rules are trusted to be valid (`ratePerSecond > 0`, `burst >= 1`, as the config schema guarantees): the hot path
 * does not check them again.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryRateLimitStore {
  const now = options.now ?? (() => performance.now());
  const maxKeys = options.maxKeys ?? 100_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
  if (typeof now !== 'function') throw new TypeError('memory rate-limit store: `now` must be a function');
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError(`memory rate-limit store: maxKeys must be a positive integer, got ${String(maxKeys)}`);
  }
  if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 1) {
    throw new TypeError(
      `memory rate-limit store: sweepIntervalMs must be a positive integer, got ${String(sweepIntervalMs)}`,
    );
  }

  const buckets = new Map<string, Bucket>();
  // Walks the map in insertion order, deleting as it goes, so every live bucket lies ahead of it and the next key it
  // yields is the oldest. Starting a fresh iterator for each eviction would be quadratic instead: deleted entries
  // stay in the table as holes until it is rehashed, and each new iterator would step over all of them again.
  let evictionCursor: MapIterator<string> | undefined;
  const evictOldest = () => {
    let next = evictionCursor?.next();
    if (next === undefined || next.done === true) {
      evictionCursor = buckets.keys();
      next = evictionCursor.next();
    }
    if (next.done !== true) buckets.delete(next.value);
  };

  const sweep = () => {
    const at = now();
    // Deleting the current entry while iterating a Map is well defined: iteration continues with the next one.
    for (const [key, bucket] of buckets) if (bucket.fullAt <= at) buckets.delete(key);
    // Let go of the table the cursor may still hold from before a rehash; the next eviction starts afresh.
    evictionCursor = undefined;
  };
  const timer = setInterval(sweep, sweepIntervalMs);
  timer.unref();

  const consumeSync = (key: string, rule: RateLimitRule): RateLimitDecision => {
    const at = now();
    const { ratePerSecond, burst } = rule;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= maxKeys) evictOldest();
      bucket = { tokens: burst, updatedAt: at, fullAt: at };
      buckets.set(key, bucket);
    } else {
      // A clock that goes backwards (an injected one may) adds nothing rather than taking tokens away.
      const elapsedMs = at > bucket.updatedAt ? at - bucket.updatedAt : 0;
      bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * ratePerSecond) / 1000);
      bucket.updatedAt = at;
    }
    if (bucket.tokens < 1) {
      return {
        allowed: false,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)),
      };
    }
    bucket.tokens -= 1;
    bucket.fullAt = at + ((burst - bucket.tokens) * 1000) / ratePerSecond;
    return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
  };

  return {
    consumeSync,
    consume: (key, rule) => Promise.resolve(consumeSync(key, rule)),
    get size() {
      return buckets.size;
    },
    close: () => {
      clearInterval(timer);
      buckets.clear();
      return Promise.resolve();
    },
  };
}
