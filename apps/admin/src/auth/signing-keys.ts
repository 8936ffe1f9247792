import { newId, signingKeys, type DrizzleDatabase } from '@rustronaut/db';
import { desc, eq } from 'drizzle-orm';
import {
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import type { SecretBox } from '../secrets/secret-box.js';

/** The JWS algorithm of every token the admin signs. */
export const SIGNING_ALG = 'EdDSA';

/** How long a key signs before the next one takes over. */
export const KEY_SIGNS_FOR_MS = 7 * 24 * 3600_000;
/** How long a retired key stays published, so tokens it signed verify until they expire (the longest lives 1 day). */
export const KEY_PUBLISHED_AFTER_RETIRING_MS = 24 * 3600_000;

/** JWT signing keys, rotated with overlap and published as a JWKS. */
export interface SigningKeyStore {
  /** Signs `claims` with the current key (rotating first when it is due). */
  sign(claims: JWTPayload, options: { audience: string; expiresInSeconds: number; subject: string }): Promise<string>;
  /** Verifies a token against the published keys; rejects on any problem. */
  verify(token: string, options: JWTVerifyOptions): Promise<JWTPayload>;
  /** The public keys: the signing one and retired ones still valid. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** Retires the current key now and starts signing with a new one. */
  rotate(): Promise<void>;
}

interface LoadedKey {
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly privateKeyEnc: string;
  readonly retiresAt: Date;
  readonly expiresAt: Date;
}

/** Issuer of every token the admin signs. */
export const ISSUER = 'rustronaut';
const RELOAD_MS = 60_000;
const VERIFIED_CACHE_SIZE = 10_000;

/** A {@link SigningKeyStore} on the `signing_keys` table; private keys are sealed with the master key. */
export function createSigningKeyStore(db: DrizzleDatabase, secrets: SecretBox, now: () => Date): SigningKeyStore {
  let keys: LoadedKey[] = [];
  let loadedAt = -Infinity;
  // Tokens verified already (audience + token -> claims), until they expire: a signature check per request was
  // a tenth of the admin's CPU. Bounded: cleared when full.
  const verified = new Map<string, JWTPayload>();
  // Verification key set, built once per load: importing keys on every check cost more than the check.
  let verifier: { at: number; keySet: ReturnType<typeof createLocalJWKSet> } | undefined;
  const privateKeys = new Map<string, ReturnType<typeof importPKCS8>>();

  async function load(): Promise<void> {
    const rows = await db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
    keys = rows.map((row) => ({ ...row, publicJwk: row.publicJwk }));
    loadedAt = Date.now();
    verifier = undefined;
  }

  async function current(): Promise<LoadedKey[]> {
    if (Date.now() - loadedAt > RELOAD_MS) await load();
    return keys.filter((key) => key.expiresAt > now());
  }

  async function create(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true });
    const kid = newId();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
    const at = now();
    const retiresAt = new Date(at.getTime() + KEY_SIGNS_FOR_MS);
    await db.insert(signingKeys).values({
      kid,
      alg: SIGNING_ALG,
      publicJwk,
      privateKeyEnc: secrets.seal(await exportPKCS8(privateKey), `signing-key:${kid}`),
      createdAt: at,
      retiresAt,
      expiresAt: new Date(retiresAt.getTime() + KEY_PUBLISHED_AFTER_RETIRING_MS),
    });
    await load();
  }

  async function signingKey(): Promise<{ kid: string; key: Awaited<ReturnType<typeof importPKCS8>> }> {
    let active = (await current()).find((key) => key.retiresAt > now());
    if (active === undefined) {
      await create();
      active = (await current()).find((key) => key.retiresAt > now());
    }
    if (active === undefined) throw new Error('no signing key after creating one');
    const { kid, privateKeyEnc } = active;
    let key = privateKeys.get(kid);
    if (key === undefined) {
      key = importPKCS8(secrets.open(privateKeyEnc, `signing-key:${kid}`).toString('utf8'), SIGNING_ALG);
      privateKeys.set(kid, key);
    }
    return { kid, key: await key };
  }

  return {
    async sign(claims, options) {
      const { kid, key } = await signingKey();
      return new SignJWT(claims)
        .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(options.audience)
        .setSubject(options.subject)
        .setIssuedAt(Math.floor(now().getTime() / 1000))
        .setExpirationTime(Math.floor(now().getTime() / 1000) + options.expiresInSeconds)
        .sign(key);
    },
    async verify(token, options) {
      const cacheKey = `${JSON.stringify(options.audience)}\u0000${token}`;
      const hit = verified.get(cacheKey);
      if (hit?.exp !== undefined && hit.exp > now().getTime() / 1000) return hit;
      const verifyWith = async () => {
        const published = await current();
        if (verifier?.at !== loadedAt) {
          verifier = { at: loadedAt, keySet: createLocalJWKSet({ keys: published.map((key) => key.publicJwk) }) };
        }
        return (
          await jwtVerify(token, verifier.keySet, {
            issuer: ISSUER,
            algorithms: [SIGNING_ALG],
            currentDate: now(),
            ...options,
          })
        ).payload;
      };
      let payload: JWTPayload;
      try {
        payload = await verifyWith();
      } catch (err) {
        // A key made by another admin process since the last load: reload once, then decide.
        if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || Date.now() - loadedAt < 1000) throw err;
        await load();
        payload = await verifyWith();
      }
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
      verified.set(cacheKey, payload);
      return payload;
    },
    async jwks() {
      await signingKey();
      return { keys: (await current()).map((key) => key.publicJwk) };
    },
    async rotate() {
      const at = now();
      for (const key of await current()) {
        if (key.retiresAt > at) {
          await db
            .update(signingKeys)
            .set({ retiresAt: at, expiresAt: new Date(at.getTime() + KEY_PUBLISHED_AFTER_RETIRING_MS) })
            .where(eq(signingKeys.kid, key.kid));
        }
      }
      await create();
    },
  };
}
