import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createMemoryStore } from './memory-store.js';
import type { RateLimitDecision, RateLimitStore } from './types.js';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url: string;
  /** Prefix of every bucket key in Redis (default `rustronaut:ratelimit:`), so several users can share a server. */
  readonly keyPrefix?: string | undefined;
  /**
   * Clock in milliseconds of the in-process fallback buckets and of the pause after a failed command. Buckets in
   * Redis always use the Redis server's clock, so that every gateway agrees on how much time has passed.
   */
  readonly now?: (() => number) | undefined;
  /** A command without a reply after this many milliseconds counts as failed (default 100). */
  readonly commandTimeoutMs?: number | undefined;
  /** After a failed command, how long buckets stay in-process before Redis is tried again (default 1000 ms). */
  readonly retryAfterFailureMs?: number | undefined;
  /** Called once when Redis stops answering (not again until it has answered once more); e.g. to log a warning. */
  readonly onError?: ((err: Error) => void) | undefined;
  /** Called when Redis answers again after an outage reported through `onError`. */
  readonly onRecover?: (() => void) | undefined;
  /** Redis client name, shown by `CLIENT LIST` (default `rustronaut-gateway-ratelimit`). */
  readonly connectionName?: string | undefined;
}

// The token bucket, atomic in Redis: refill lazily by the server's clock, take one token, and let an idle key expire
// when it would be full again (a full bucket equals a missing one). KEYS[1] = bucket, ARGV = tokens per second, burst.
// Returns { allowed (0|1), whole tokens left, Retry-After seconds }. A refusal changes nothing, so it writes nothing:
// the stored tokens and time already describe the bucket, and its expiry stays right.
// Redis 5+ replicates a script's effects rather than the script, which is what makes TIME usable before a write.
const TOKEN_BUCKET_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
else
  tokens = math.min(burst, tokens)
end
if tokens < 1 then
  return { 0, 0, math.ceil((1 - tokens) / rate) }
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate))
return { 1, math.floor(tokens), 0 }
`;

/** The client with the script defined as a command (EVALSHA, falling back to EVAL once per connection). */
interface TokenBucketRedis extends Redis {
  rustronautTakeToken(key: string, ratePerSecond: number, burst: number): Promise<[number, number, number]>;
}

/**
 * Creates a store whose buckets live in Redis, shared by every gateway that uses the same server and prefix.
 *
 * It never fails open and never makes a request wait on a broken Redis: commands time out after `commandTimeoutMs`,
 * nothing is queued while disconnected (`enableOfflineQueue: false`), and whenever Redis is disconnected or a command
 * fails, the key is limited by an in-process bucket instead (so during an outage each gateway enforces the limit on
 * its own). After a failed command Redis is left alone for `retryAfterFailureMs`, so a hung server costs at most one
 * timeout per that interval rather than one per request; a reconnect ends that pause at once. The client reconnects
 * by itself, with backoff. Throws a TypeError for invalid options.
 */
export function createRedisStore(options: RedisStoreOptions): RateLimitStore {
  const url = parseRedisUrl(options.url);
  const keyPrefix = options.keyPrefix ?? 'rustronaut:ratelimit:';
  const commandTimeoutMs = options.commandTimeoutMs ?? 100;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 1000;
  const now = options.now ?? (() => performance.now());
  const { onError, onRecover } = options;
  if (typeof keyPrefix !== 'string') throw new TypeError('redis rate-limit store: keyPrefix must be a string');
  positiveInteger('commandTimeoutMs', commandTimeoutMs);
  positiveInteger('retryAfterFailureMs', retryAfterFailureMs);
  for (const [name, fn] of [
    ['now', now],
    ['onError', onError],
    ['onRecover', onRecover],
  ] as const) {
    if (fn !== undefined && typeof fn !== 'function') {
      throw new TypeError(`redis rate-limit store: ${name} must be a function`);
    }
  }

  const fallback = createMemoryStore({ now });
  const redis = new Redis(url.href, {
    keyPrefix,
    connectionName: options.connectionName ?? 'rustronaut-gateway-ratelimit',
    commandTimeout: commandTimeoutMs,
    // A rate-limit answer that waits for a reconnect is worse than a local one now.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2000,
    // How long close() lets the socket shut down politely. ioredis also arms this timer when closing between
    // reconnects, with no socket to wait for, which would hold the process open that long after close().
    disconnectTimeout: 500,
    // Reconnect forever, backing off to one attempt every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    scripts: { rustronautTakeToken: { lua: TOKEN_BUCKET_LUA, numberOfKeys: 1 } },
  }) as TokenBucketRedis;

  let closing = false;
  let inOutage = false;
  let pausedUntil = 0;
  const where = `${url.hostname}:${url.port || '6379'}`;
  const outage = (err: Error) => {
    if (closing || inOutage) return;
    inOutage = true;
    onError?.(err);
  };
  // Without an 'error' listener ioredis prints every failed reconnect; these are reported once per outage instead.
  redis.on('error', outage);
  redis.on('close', () => outage(new Error(`rate-limit Redis at ${where}: connection closed`)));
  redis.on('ready', () => {
    pausedUntil = 0;
  });

  const fromRedis = (reply: [number, number, number]): RateLimitDecision => {
    if (inOutage) {
      inOutage = false;
      onRecover?.();
    }
    return { allowed: reply[0] === 1, remaining: reply[1], retryAfterSeconds: reply[2] };
  };

  return {
    consume: (key, rule) => {
      if (redis.status !== 'ready' || now() < pausedUntil) return fallback.consume(key, rule);
      return redis.rustronautTakeToken(key, rule.ratePerSecond, rule.burst).then(fromRedis, (err: unknown) => {
        pausedUntil = now() + retryAfterFailureMs;
        outage(err instanceof Error ? err : new Error(String(err)));
        return fallback.consumeSync(key, rule);
      });
    },
    close: async () => {
      closing = true;
      await fallback.close();
      // With a socket open or opening, disconnecting ends in 'end'. Between reconnects there is no socket and
      // disconnecting only cancels the next attempt, so there is nothing to wait for (and no 'end' would come).
      const status = redis.status;
      const ended =
        status === 'connecting' || status === 'connect' || status === 'ready' ? once(redis, 'end') : undefined;
      redis.disconnect();
      await ended;
    },
  };
}

function parseRedisUrl(value: unknown): URL {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError('redis rate-limit store: url must be a redis:// or rediss:// URL');
  }
  const url = new URL(value);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(`redis rate-limit store: url must start with redis:// or rediss://, got ${url.protocol}//`);
  }
  if (url.hostname === '') throw new TypeError('redis rate-limit store: url has no host');
  return url;
}

function positiveInteger(name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new TypeError(`redis rate-limit store: ${name} must be a positive integer, got ${String(value)}`);
  }
}
