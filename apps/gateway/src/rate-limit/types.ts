/** A token-bucket rule: `ratePerSecond` tokens refill per second into a bucket of size `burst`. */
export interface RateLimitRule {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** The outcome of taking one token. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request (0 when refused). */
  readonly remaining: number;
  /** When refused: seconds until a token is available (at least 1), for `Retry-After`; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/** Where buckets live: in this process, or shared between gateways (Redis). */
export interface RateLimitStore {
  /** Takes one token from the bucket `key` under `rule`. */
  consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision>;
  /** Releases timers and connections. */
  close(): Promise<void>;
}
