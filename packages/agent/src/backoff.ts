/** Delays between reconnection attempts. */
export interface Backoff {
  /** The delay before the next attempt: doubles each time up to the cap, with jitter. */
  next(): number;
  /** Back to the first delay, after a connection that worked. */
  reset(): void;
}

/**
 * Capped exponential backoff with "equal jitter": each delay is half the exponential step plus a random part of
 * the other half, so gateways that lost the admin together do not all come back in the same millisecond.
 */
export function createBackoff(options: {
  readonly minMs: number;
  readonly maxMs: number;
  readonly random?: () => number;
}): Backoff {
  const { minMs, maxMs } = options;
  if (!(minMs > 0) || !(maxMs >= minMs)) throw new TypeError('backoff: expected 0 < minMs <= maxMs');
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const step = Math.min(maxMs, minMs * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      return Math.round(step / 2 + random() * (step / 2));
    },
    reset() {
      attempt = 0;
    },
  };
}
