import type * as JoseModule from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { createIdentity, type Identity } from './identity.js';
import type { KeyMaterial, KeySource } from './key-source.js';

/** Settings of a route's bearer-token check. */
export interface JwtVerifierOptions {
  readonly source: KeySource;
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
  /** Seconds of clock difference tolerated on `exp` and `nbf`. */
  readonly clockToleranceSec?: number;
  /** Verified tokens remembered at most this long, so a key removed from the JWKS stops working soon. */
  readonly cacheTtlMs?: number;
  readonly cacheSize?: number;
}

/** The outcome of checking one token. */
export type JwtOutcome =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly unavailable: boolean; readonly detail: string };

/** Verifies bearer tokens for one route. */
export interface JwtVerifier {
  /** A cached result synchronously, otherwise a promise (it rejects only on a bug). */
  verify(token: string): JwtOutcome | Promise<JwtOutcome>;
}

interface Verified {
  readonly outcome: JwtOutcome & { ok: true };
  /** `exp` in seconds. */
  readonly exp: number;
  /** Drop from the cache after this (ms). */
  readonly until: number;
}

type Jose = typeof JoseModule;
let jose: Promise<Jose> | undefined;
// Loaded on the first verification that misses the cache: gateways without protected routes never load it.
const loadJose = (): Promise<Jose> => (jose ??= import('jose'));

const hasControl = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
};
/** A claim usable as an identity field: a non-empty string of at most `max` characters without control characters. */
const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max && !hasControl(value) ? value : undefined;

/** Stable, short reasons for refusals; jose's own messages vary between versions. */
function describeFailure(err: unknown): string {
  const e = err as { code?: string; claim?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'nbf') return 'the token is not valid yet';
      if (e.claim === 'iat') return 'the token was issued in the future';
      return `the token's "${e.claim ?? 'unknown'}" claim is not accepted`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'the token is signed with an algorithm this route does not accept';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the token is signed with an unknown key';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature does not verify';
    default:
      return 'the token is malformed';
  }
}

/**
 * Verifies compact JWTs with jose against a route's keys: signature with an allow-listed algorithm, `iss`,
 * `aud`, `exp` (required) and `nbf` with clock tolerance, and a `sub`. Verified tokens are cached until they
 * expire (at most `cacheTtlMs`), so a token in use costs a map lookup; concurrent first uses share one
 * verification. An unknown `kid` refreshes a remote JWKS once (the source enforces the cooldown).
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const tolerance = options.clockToleranceSec ?? 60;
  const ttl = options.cacheTtlMs ?? 60_000;
  const maxEntries = options.cacheSize ?? 10_000;
  const cache = new Map<string, Verified>();
  const pending = new Map<string, Promise<JwtOutcome>>();
  const resolvers = new WeakMap<KeyMaterial, JWTVerifyGetKey>();
  const verifyOptions = {
    issuer: options.issuer,
    audience: [...(typeof options.audience === 'string' ? [options.audience] : options.audience)],
    algorithms: [...options.algorithms],
    clockTolerance: tolerance,
    requiredClaims: ['exp', 'sub'],
  };

  const check = async (lib: Jose, token: string, material: KeyMaterial) => {
    if (material.kind === 'key') return lib.jwtVerify(token, material.key, verifyOptions);
    let resolver = resolvers.get(material);
    if (resolver === undefined) {
      resolver = lib.createLocalJWKSet(material.jwks);
      resolvers.set(material, resolver);
    }
    return lib.jwtVerify(token, resolver, verifyOptions);
  };

  const remember = (token: string, payload: JWTPayload): JwtOutcome => {
    const sub = text(payload.sub, 256);
    if (sub === undefined) return { ok: false, unavailable: false, detail: 'the token has no usable "sub" claim' };
    const roles = Array.isArray(payload['roles'])
      ? (payload['roles'] as unknown[]).map((r) => text(r, 128)).filter((r): r is string => r !== undefined)
      : undefined;
    const outcome = {
      ok: true as const,
      identity: createIdentity({
        sub,
        email: text(payload['email'], 320),
        roles: roles?.slice(0, 100),
        method: 'jwt',
        certificateThumbprint: undefined,
      }),
    };
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(token, { outcome, exp: payload.exp as number, until: Date.now() + ttl });
    return outcome;
  };

  const verifySlow = async (token: string): Promise<JwtOutcome> => {
    const lib = await loadJose();
    const { source } = options;
    let material = source.current();
    if (material === undefined) {
      await source.refresh();
      material = source.current();
      if (material === undefined) {
        return { ok: false, unavailable: true, detail: 'the keys that verify tokens for this route are not loaded' };
      }
    }
    source.touch();
    try {
      return remember(token, (await check(lib, token, material)).payload);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY') {
        await source.refresh();
        const fresh = source.current();
        if (fresh !== undefined && fresh !== material) {
          try {
            return remember(token, (await check(lib, token, fresh)).payload);
          } catch (again) {
            return { ok: false, unavailable: false, detail: describeFailure(again) };
          }
        }
      }
      return { ok: false, unavailable: false, detail: describeFailure(err) };
    }
  };

  return {
    verify(token) {
      const hit = cache.get(token);
      if (hit !== undefined) {
        const now = Date.now();
        if (now < hit.until && now / 1000 <= hit.exp + tolerance) return hit.outcome;
        cache.delete(token);
      }
      let running = pending.get(token);
      if (running === undefined) {
        running = verifySlow(token).finally(() => pending.delete(token));
        pending.set(token, running);
      }
      return running;
    },
  };
}
