import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Identity } from './identity.js';

/** Signs the `X-Rustronaut-Assertion` JWTs and publishes the public key. */
export interface AssertionSigner {
  readonly issuer: string;
  /** RFC 7638 thumbprint of the public key, the `kid` of every assertion. */
  readonly kid: string;
  /** The JWKS document (RFC 7517) with the public key, ready to send. */
  readonly jwks: Buffer;
  /**
   * A compact JWT asserting `identity` to `audience` (the request's origin), valid for at most `lifetimeSec`.
   * Signed assertions are reused while they have more than `reuseMarginSec` left.
   */
  assertionFor(identity: Identity, audience: string): string;
}

/** Options of {@link createAssertionSigner}. */
export interface AssertionSignerOptions {
  readonly issuer: string;
  /** An Ed25519 private key. */
  readonly key: KeyObject;
  readonly lifetimeSec?: number;
  readonly reuseMarginSec?: number;
  readonly cacheSize?: number;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Creates the signer. EdDSA (Ed25519) signatures are made with node:crypto synchronously (about 50 µs); with
 * the cache, a client that keeps sending requests costs one signature every few minutes per origin.
 */
export function createAssertionSigner(options: AssertionSignerOptions): AssertionSigner {
  const { key, issuer } = options;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('the assertion signing key must be an Ed25519 private key');
  }
  const lifetime = options.lifetimeSec ?? 300;
  const margin = options.reuseMarginSec ?? 60;
  const maxEntries = options.cacheSize ?? 10_000;
  const { x } = createPublicKey(key).export({ format: 'jwk' });
  // RFC 7638 section 3.2: the required members, in lexicographic order, without whitespace.
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
  const header = b64({ alg: 'EdDSA', typ: 'JWT', kid });
  const jwks = Buffer.from(
    JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }] }),
  );
  const cache = new Map<string, { token: string; exp: number }>();
  // Fast path: the last assertion per identity object (verified tokens share one until their cache entry ends),
  // which spares building the string key on every request of a client that keeps its token.
  const last = new WeakMap<Identity, { audience: string; token: string; exp: number }>();

  return {
    issuer,
    kid,
    jwks,
    assertionFor(identity, audience) {
      const now = Math.floor(Date.now() / 1000);
      const recent = last.get(identity);
      if (recent !== undefined && recent.audience === audience && recent.exp - now > margin) return recent.token;
      const cacheKey = `${audience}\n${identity.cacheKey}`;
      const cached = cache.get(cacheKey);
      if (cached !== undefined && cached.exp - now > margin) {
        last.set(identity, { audience, token: cached.token, exp: cached.exp });
        return cached.token;
      }
      const exp = now + lifetime;
      const payload = b64({
        iss: issuer,
        aud: audience,
        sub: identity.sub,
        ...(identity.email === undefined ? {} : { email: identity.email }),
        ...(identity.roles === undefined ? {} : { roles: identity.roles }),
        amr: [identity.method],
        ...(identity.certificateThumbprint === undefined
          ? {}
          : { cnf: { 'x5t#S256': identity.certificateThumbprint } }),
        iat: now,
        exp,
      });
      const input = `${header}.${payload}`;
      const token = `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
      if (cached !== undefined) cache.delete(cacheKey);
      else if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(cacheKey, { token, exp });
      last.set(identity, { audience, token, exp });
      return token;
    },
  };
}

/** A fresh Ed25519 key, for a gateway started without `identity.signingKeyFile`. */
export function generateSigningKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

/** Reads an Ed25519 private key (PEM, PKCS#8); throws a TypeError naming `field` when it cannot. */
export function loadSigningKey(file: string, field: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TypeError(
      `${field}: cannot read a private key from "${file}": ${code?.startsWith('E') && !code.startsWith('ERR_') ? code : (err as Error).message}`,
      { cause: err },
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`${field}: "${file}" holds an ${String(key.asymmetricKeyType)} key; an Ed25519 key is needed`);
  }
  return key;
}
