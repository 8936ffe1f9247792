// Remote JWKS through the verifier: key rotation after the cooldown, fail static, fail closed, size and time caps.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from './jwt-verifier.js';
import { createRemoteKeySource, parseJwks, type KeySource } from './key-source.js';

type Answer = { status: number; body: string } | 'hang';
let servers: Server[] = [];

async function jwksServer(answer: () => Answer) {
  const state = { fetches: 0 };
  const server = createServer((_req, res) => {
    state.fetches++;
    const a = answer();
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${String((server.address() as { port: number }).port)}/`, state, server };
}

afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  servers = [];
});

let a: { privateKey: CryptoKey; jwk: JWK };
let b: { privateKey: CryptoKey; jwk: JWK };
const keyPair = async (kid: string) => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256' } };
};
beforeAll(async () => {
  a = await keyPair('a');
  b = await keyPair('b');
});

const mint = (key: { privateKey: CryptoKey; jwk: JWK }, sub = 'alice') =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid })
    .setSubject(sub)
    .setIssuer('iss')
    .setAudience('aud')
    .setExpirationTime('2m')
    .sign(key.privateKey);

const verifierFor = (source: KeySource) =>
  createJwtVerifier({ source, issuer: 'iss', audience: 'aud', algorithms: ['ES256'] });
const errors: string[] = [];
const remote = (url: string, extra: { cooldownMs?: number; timeoutMs?: number } = {}) =>
  createRemoteKeySource({
    url,
    onError: (_u, err) => errors.push(err.message),
    cooldownMs: 100,
    retryMs: 100,
    ...extra,
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a remote JWKS', () => {
  it('picks up a rotated key on an unknown kid, at most once per cooldown', async () => {
    let keys = [a.jwk];
    const jwks = await jwksServer(() => ({ status: 200, body: JSON.stringify({ keys }) }));
    // A cooldown long enough that a loaded machine cannot outlast it between the two checks.
    const verifier = verifierFor(remote(jwks.url, { cooldownMs: 1500 }));
    expect(await verifier.verify(await mint(a))).toMatchObject({ ok: true });
    keys = [a.jwk, b.jwk];
    // Within the cooldown: no refetch, the new key is unknown.
    expect(await verifier.verify(await mint(b))).toMatchObject({
      ok: false,
      detail: 'the token is signed with an unknown key',
    });
    expect(jwks.state.fetches).toBe(1);
    await sleep(1600);
    expect(await verifier.verify(await mint(b))).toMatchObject({ ok: true, identity: { sub: 'alice' } });
    expect(jwks.state.fetches).toBe(2);
  });

  it('shares one verification between concurrent uses, then answers from the cache without a promise', async () => {
    const jwks = await jwksServer(() => ({ status: 200, body: JSON.stringify({ keys: [a.jwk] }) }));
    const verifier = verifierFor(remote(jwks.url));
    const token = await mint(a);
    const first = verifier.verify(token);
    expect(first).toBeInstanceOf(Promise);
    expect(verifier.verify(token)).toBe(first);
    expect((await first).ok).toBe(true);
    const cached = verifier.verify(token);
    expect(cached).not.toBeInstanceOf(Promise);
    expect(cached).toMatchObject({ ok: true });
  });

  it('keeps the last good keys when later fetches fail (fail static)', async () => {
    let answer: Answer = { status: 200, body: JSON.stringify({ keys: [a.jwk] }) };
    const jwks = await jwksServer(() => answer);
    const source = remote(jwks.url);
    const verifier = verifierFor(source);
    expect((await verifier.verify(await mint(a))).ok).toBe(true);
    for (const bad of [
      { status: 500, body: 'oops' },
      { status: 200, body: 'not json' },
      { status: 200, body: '{"keys":[]}' },
    ]) {
      answer = bad;
      await sleep(150);
      await source.refresh();
      expect((await verifier.verify(await mint(a, `user-${String(bad.status)}-${bad.body}`))).ok).toBe(true);
    }
    expect(jwks.state.fetches).toBe(4);
  });

  it('is unavailable (never open) when no fetch ever succeeded', async () => {
    for (const answer of [
      { status: 404, body: '' },
      { status: 200, body: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}' },
    ] as const) {
      const jwks = await jwksServer(() => answer);
      expect(await verifierFor(remote(jwks.url)).verify(await mint(a))).toMatchObject({ ok: false, unavailable: true });
    }
  });

  it('gives up on a JWKS that does not answer in time, or is too large', async () => {
    const hanging = await jwksServer(() => 'hang');
    const outcome = await verifierFor(remote(hanging.url, { timeoutMs: 200 })).verify(await mint(a));
    expect(outcome).toMatchObject({ ok: false, unavailable: true });
    const huge = await jwksServer(() => ({
      status: 200,
      body: JSON.stringify({ keys: [a.jwk], pad: 'x'.repeat(600_000) }),
    }));
    expect(await verifierFor(remote(huge.url)).verify(await mint(a))).toMatchObject({ ok: false, unavailable: true });
    expect(errors.some((e) => e.includes('larger than'))).toBe(true);
  });
});

describe('parseJwks', () => {
  it('keeps public signing keys only', () => {
    const parsed = parseJwks(
      JSON.stringify({
        keys: [
          { kty: 'oct', k: 'c2VjcmV0' },
          { ...a.jwk, d: 'private' },
          { ...b.jwk, use: 'enc' },
          a.jwk,
          'garbage',
          null,
        ],
      }),
    );
    expect(parsed.keys).toEqual([a.jwk]);
  });

  it.each(['', 'null', '[]', '{"keys":{}}', '{"keys":[1,2]}', '{"keys":[{"kty":"oct","k":"AA"}]}', '\u0000'])(
    'refuses garbage: %j',
    (text) => {
      expect(() => parseJwks(text)).toThrow(/JWKS/);
    },
  );
});
