import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet, JWK } from 'jose';
import { request } from 'undici';

/** Keys that verify a route's bearer tokens: a JWKS, or one PEM public key. */
export type KeyMaterial =
  { readonly kind: 'jwks'; readonly jwks: JSONWebKeySet } | { readonly kind: 'key'; readonly key: KeyObject };

/** Where a route's verification keys come from. */
export interface KeySource {
  /** The keys in force (a new object whenever they change), or undefined when none were ever loaded. */
  current(): KeyMaterial | undefined;
  /**
   * Loads the keys again, unless a load ran within the cooldown; resolves when that is over (never rejects).
   * Concurrent calls share one fetch.
   */
  refresh(): Promise<void>;
  /** Starts a background load when there are no keys yet or they are old; never throws. */
  touch(): void;
}

/** Settings of a remote JWKS; the defaults suit production, tests shorten them. */
export interface RemoteKeySourceOptions {
  readonly url: string;
  /** Told when a fetch fails; the previous keys stay in force. */
  readonly onError: (url: string, err: Error) => void;
  readonly timeoutMs?: number;
  /** Least time between two fetches while keys are known (refetch on an unknown `kid`). */
  readonly cooldownMs?: number;
  /** Least time between two fetches while no keys are known yet. */
  readonly retryMs?: number;
  /** Keys older than this are refreshed in the background. */
  readonly maxAgeMs?: number;
}

const MAX_JWKS_BYTES = 512 * 1024;
const MAX_KEYS = 100;

/**
 * A JWKS fetched over HTTP(S) with a timeout and a size cap, cached, refetched when a token names an unknown
 * key (at most once per cooldown) or when it is old. A failed fetch keeps the last good set (fail static); with
 * no set at all, {@link KeySource.current} stays undefined and the route refuses (fail closed).
 */
export function createRemoteKeySource(options: RemoteKeySourceOptions): KeySource {
  const timeoutMs = options.timeoutMs ?? 5000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const retryMs = options.retryMs ?? 5000;
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  let material: KeyMaterial | undefined;
  let loadedAt = 0;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  const load = async (): Promise<void> => {
    attemptedAt = Date.now();
    try {
      const jwks = await fetchJwks(options.url, timeoutMs);
      material = { kind: 'jwks', jwks };
      loadedAt = Date.now();
    } catch (err) {
      options.onError(options.url, err instanceof Error ? err : new Error(String(err)));
    }
  };
  const refresh = (): Promise<void> => {
    if (inFlight !== undefined) return inFlight;
    if (Date.now() - attemptedAt < (material === undefined ? retryMs : cooldownMs)) return Promise.resolve();
    inFlight = load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  return {
    current: () => material,
    refresh,
    touch: () => {
      if (material === undefined || Date.now() - loadedAt > maxAgeMs) void refresh();
    },
  };
}

async function fetchJwks(url: string, timeoutMs: number): Promise<JSONWebKeySet> {
  const response = await request(url, {
    method: 'GET',
    headers: { accept: 'application/jwk-set+json, application/json' },
    signal: AbortSignal.timeout(timeoutMs),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JWKS_BYTES) {
      response.body.destroy();
      throw new Error(`the JWKS is larger than ${String(MAX_JWKS_BYTES)} bytes`);
    }
    chunks.push(chunk);
  }
  if (response.statusCode !== 200) throw new Error(`the JWKS answered HTTP ${String(response.statusCode)}`);
  return parseJwks(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Parses a JWKS document (RFC 7517 section 5) and keeps only public asymmetric keys: `oct` keys (HMAC secrets)
 * and keys carrying private parts are dropped, so a token can never be checked against a shared secret.
 */
export function parseJwks(text: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the JWKS is not JSON');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('the JWKS has no "keys" list');
  const usable = keys.filter(
    (k): k is JWK =>
      typeof k === 'object' &&
      k !== null &&
      typeof (k as JWK).kty === 'string' &&
      (k as JWK).kty !== 'oct' &&
      !('d' in k) &&
      ((k as JWK).use === undefined || (k as JWK).use === 'sig'),
  );
  if (usable.length === 0) throw new Error('the JWKS has no public signing key');
  return { keys: usable.slice(0, MAX_KEYS) };
}

/**
 * Keys from a file, read once (at load and on every reload): a PEM public key (SPKI, or a certificate), or a
 * JSON JWKS. Throws a TypeError naming `field` when the file cannot be read or holds no public key.
 */
export function createFileKeySource(file: string, field: string): KeySource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TypeError(`${field}: cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  let material: KeyMaterial;
  try {
    if (text.trimStart().startsWith('{')) {
      material = { kind: 'jwks', jwks: parseJwks(text) };
    } else {
      if (text.includes('PRIVATE KEY-----')) throw new Error('it is a private key; give the public key');
      const key = createPublicKey(text);
      if (key.asymmetricKeyType === undefined) throw new Error('not an asymmetric key');
      material = { kind: 'key', key };
    }
  } catch (err) {
    throw new TypeError(`${field}: "${file}" holds no usable public key: ${(err as Error).message}`, { cause: err });
  }
  return { current: () => material, refresh: () => Promise.resolve(), touch: () => undefined };
}
