import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** What a verified session token says. */
export interface SessionClaims {
  /** The user id. */
  readonly sub: string;
  /** The admin session the token belongs to: revoking it ends the token. */
  readonly sid: string;
  /** The origin the token is for (`aud`). */
  readonly aud: string;
  /** How the session was opened: `password` or `sso`. */
  readonly method: string;
  /** A second factor was presented. */
  readonly mfa: boolean;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

/** The outcome of verifying a session token. */
export type SessionTokenOutcome =
  { readonly ok: true; readonly claims: SessionClaims } | { readonly ok: false; readonly detail: string };

/** Verifies the admin's session tokens for one snapshot: synchronous, with a cache of verified tokens. */
export interface SessionTokenVerifier {
  verify(token: string, nowSec: number): SessionTokenOutcome;
}

/** The longest token accepted: ours are about 450 characters. */
const MAX_TOKEN_LENGTH = 2048;
const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{86})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CACHE_SIZE = 10_000;

const refused = (detail: string): SessionTokenOutcome => ({ ok: false, detail });

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The Ed25519 public keys of a JWKS by `kid`; other key types are ignored (we only ever sign with EdDSA). */
export function ed25519Keys(jwks: ReadonlyArray<Record<string, unknown>>): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const jwk of jwks) {
    if (jwk['kty'] !== 'OKP' || jwk['crv'] !== 'Ed25519' || typeof jwk['kid'] !== 'string') continue;
    try {
      keys.set(
        jwk['kid'],
        createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk['x'] as string }, format: 'jwk' }),
      );
    } catch {
      // a malformed key verifies nothing
    }
  }
  return keys;
}

/**
 * Session tokens are compact JWTs the admin signs with EdDSA: the header must say exactly that (`alg: none`,
 * HS256 and every other algorithm are refused before any key is looked at), the `kid` must be one of the
 * admin's keys, the signature must verify, and `iss`, `sub`, `sid`, `aud` and `exp` must be present and
 * well-formed. Verified tokens are remembered until they expire, so a browser's requests cost a map lookup;
 * `aud`, revocation and the user's state are checked by the caller on every request.
 */
export function createSessionTokenVerifier(options: {
  readonly issuer: string;
  readonly keys: ReadonlyMap<string, KeyObject>;
}): SessionTokenVerifier {
  const cache = new Map<string, SessionClaims>();
  const check = (token: string, nowSec: number): SessionTokenOutcome => {
    if (token.length > MAX_TOKEN_LENGTH) return refused('the session token is too long');
    const parts = COMPACT.exec(token);
    if (parts === null) return refused('the session token is malformed');
    const [, headerPart = '', payloadPart = '', signaturePart = ''] = parts;
    const header = decodeJson(headerPart);
    if (header?.['alg'] !== 'EdDSA') return refused('the session token is not signed with EdDSA');
    if (header['crit'] !== undefined) return refused('the session token has critical header parameters');
    const key = typeof header['kid'] === 'string' ? options.keys.get(header['kid']) : undefined;
    if (key === undefined) return refused('the session token is signed with an unknown key');
    const signed = Buffer.from(`${headerPart}.${payloadPart}`);
    if (!verify(null, signed, key, Buffer.from(signaturePart, 'base64url'))) {
      return refused('the session token signature does not verify');
    }
    const claims = decodeJson(payloadPart);
    const { sub, sid, aud, exp, amr, mfa } = claims ?? {};
    if (claims?.['iss'] !== options.issuer) return refused('the session token is from another issuer');
    if (typeof sub !== 'string' || !UUID.test(sub) || typeof sid !== 'string' || !UUID.test(sid)) {
      return refused('the session token names no user or session');
    }
    if (typeof aud !== 'string' || typeof exp !== 'number' || !Number.isFinite(exp)) {
      return refused('the session token has no audience or expiry');
    }
    if (exp <= nowSec) return refused('the session has expired');
    const method = Array.isArray(amr) && typeof amr[0] === 'string' ? amr[0] : 'password';
    return { ok: true, claims: { sub, sid, aud, exp, method, mfa: mfa === true } };
  };
  return {
    verify(token, nowSec) {
      const hit = cache.get(token);
      if (hit !== undefined) return hit.exp > nowSec ? { ok: true, claims: hit } : refused('the session has expired');
      const outcome = check(token, nowSec);
      if (outcome.ok) {
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(token, outcome.claims);
      }
      return outcome;
    },
  };
}
