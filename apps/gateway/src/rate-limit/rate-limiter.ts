import type { RateLimitDecision, RateLimitRule, RateLimitStore } from './types.js';

/** Rate limiting as the proxy sees it: one bucket per route and client. */
export interface RateLimiter {
  /** Takes one token for `clientIp` on the route `routeName` under `rule`. */
  check(routeName: string, clientIp: string, rule: RateLimitRule): Promise<RateLimitDecision>;
}

/**
 * Creates a limiter over `store` whose buckets are keyed `<route>|<client>`. The route name cannot contain `|`
 * (the config schema allows `a-z`, `0-9` and `-`), so keys never collide. The client part is the address, except
 * that IPv6 clients share one bucket per /64: the low 64 bits are the interface identifier (RFC 4291 section
 * 2.5.1), which a host picks and changes itself (RFC 8981 temporary addresses), so per-address buckets would let one
 * host take 2^64 fresh buckets. IPv4-mapped IPv6 (`::ffff:192.0.2.1`, RFC 4291 section 2.5.5.2) counts as the IPv4
 * address.
 */
export function createRateLimiter(store: RateLimitStore): RateLimiter {
  return {
    check: (routeName, clientIp, rule) => store.consume(`${routeName}|${clientBucket(clientIp)}`, rule),
  };
}

/**
 * The headers of a response under a rate limit. On a refusal (answered with 429, RFC 6585 section 4)
 * `Retry-After` gives the seconds until a request would be allowed (RFC 9110 section 10.2.3). Both kinds also get
 * `RateLimit-Limit` (the burst) and `RateLimit-Remaining` (whole tokens left): the field names of
 * draft-ietf-httpapi-ratelimit-headers-06 that client libraries commonly read. The draft's later structured
 * `RateLimit`/`RateLimit-Policy` fields are still changing, so they are not sent.
 */
export function rateLimitHeaders(decision: RateLimitDecision, rule: RateLimitRule): Record<string, string> {
  const limit = String(rule.burst);
  const remaining = String(decision.remaining);
  return decision.allowed
    ? { 'ratelimit-limit': limit, 'ratelimit-remaining': remaining }
    : { 'ratelimit-limit': limit, 'ratelimit-remaining': remaining, 'retry-after': String(decision.retryAfterSeconds) };
}

/** The part of a client address that owns a bucket: an IPv4 address as is, an IPv6 address's /64 network. */
function clientBucket(ip: string): string {
  if (!ip.includes(':')) return ip;
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  const zone = ip.indexOf('%');
  const address = zone === -1 ? ip : ip.slice(0, zone);
  const gap = address.indexOf('::');
  let groups: string[];
  if (gap === -1) {
    groups = address.split(':');
  } else {
    const head = gap === 0 ? [] : address.slice(0, gap).split(':');
    const tailText = address.slice(gap + 2);
    const tail = tailText === '' ? [] : tailText.split(':');
    // A trailing dotted quad fills two groups.
    const missing = 8 - head.length - tail.length - (tailText.includes('.') ? 1 : 0);
    groups = [...head, ...Array<string>(Math.max(0, missing)).fill('0'), ...tail];
  }
  // Leading zeros and letter case vary between spellings of one address; hex parsing makes them agree.
  let prefix = '';
  for (let i = 0; i < 4; i++) prefix += `${(Number.parseInt(groups[i] ?? '0', 16) || 0).toString(16)}:`;
  return `${prefix}:/64`;
}
