import { createHash, randomBytes } from 'node:crypto';

/** How long an enrolment token is valid. */
export const ENROL_TOKEN_TTL_MS = 60 * 60_000;

/** A fresh one-time enrolment token; only its hash is stored. */
export interface MintedEnrolToken {
  /** `<prefix>_` + 32 random bytes in base64url: shown once, to the operator. */
  readonly token: string;
  readonly hash: string;
  readonly expiresAt: Date;
}

/**
 * Mints an enrolment token valid for `ttlMs` (default {@link ENROL_TOKEN_TTL_MS}) from `now`: `rgw_` for gateways and
 * hubs, `rst_` for site connectors.
 */
export function mintEnrolToken(now: Date, prefix: 'rgw' | 'rst' = 'rgw', ttlMs = ENROL_TOKEN_TTL_MS): MintedEnrolToken {
  const token = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashEnrolToken(token), expiresAt: new Date(now.getTime() + ttlMs) };
}

/**
 * SHA-256 of a token, hex. Tokens are looked up by this hash (a unique index), so no comparison of secrets runs
 * in user-controlled time: 256 random bits leave nothing to guess from the lookup.
 */
export function hashEnrolToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
