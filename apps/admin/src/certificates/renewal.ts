/** First retry after a failed attempt; each further failure doubles it. */
export const RETRY_BASE_MS = 5 * 60_000;
/** Longest wait between attempts. */
export const RETRY_MAX_MS = 24 * 3600_000;
/** Least wait after the CA said we hit a rate limit, when it named no Retry-After. */
export const RATE_LIMITED_MS = 3600_000;

/** When a certificate valid from `notBefore` to `notAfter` is due for renewal: at two thirds of its lifetime. */
export function renewalDue(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}

/**
 * How long to wait before the next attempt after `failures` failed ones in a row (1 or more): exponential from
 * {@link RETRY_BASE_MS}, capped at {@link RETRY_MAX_MS}, with "equal jitter" (half fixed, half random) so many
 * hosts failing together do not retry together. A rate-limited attempt waits at least {@link RATE_LIMITED_MS}:
 * Let's Encrypt counts failed validations per host and account, so hammering it only extends the ban.
 */
export function retryDelayMs(failures: number, rateLimited: boolean, random: () => number = Math.random): number {
  const exponential = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
  const jittered = exponential / 2 + (exponential / 2) * random();
  return rateLimited ? Math.max(jittered, RATE_LIMITED_MS) : jittered;
}

/** Whether an ACME error says a rate limit was hit (RFC 8555 section 6.7 `rateLimited`, or the CA's wording). */
export function isRateLimited(message: string): boolean {
  return /ratelimited|rate limit|too many/i.test(message);
}
