// Protected routes through a real gateway: bearer tokens (JWKS and PEM keys), the signed identity assertion sent
// upstream and its published keys, identity-header spoofing, and the garbage a gateway file can hold.
import { checkGatewayFile } from './file-config/check-gateway-file.js';
import {
  makeTempDir,
  rawExchange,
  startHttpUpstream,
  statusOf,
  type HttpUpstream,
  type TempDir,
} from '@rustronaut/testkit';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startTestGateway, type TestGateway } from '../test/start-test-gateway.js';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'api';

interface JwksServer {
  readonly url: string;
  fetches: number;
  close(): Promise<void>;
}

async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state = { fetches: 0 };
  const server: Server = createServer((_req, res) => {
    state.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${String(port)}/jwks`,
    get fetches() {
      return state.fetches;
    },
    set fetches(n) {
      state.fetches = n;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let dir: TempDir;
let idp: { publicKey: CryptoKey; privateKey: CryptoKey };
let stranger: { publicKey: CryptoKey; privateKey: CryptoKey };
let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let rsaPem: string;
let jwks: JwksServer;
let staticJwks: JwksServer;
let upstream: HttpUpstream;
let ws: WebSocketServer;
let wsHeaders: Array<Record<string, string | string[] | undefined>>;
let gw: TestGateway;

const now = () => Math.floor(Date.now() / 1000);

interface MintOptions {
  readonly claims?: JWTPayload;
  readonly key?: CryptoKey | Uint8Array;
  readonly alg?: string;
  readonly kid?: string;
  readonly iss?: string;
  readonly aud?: string;
  readonly exp?: number;
  readonly nbf?: number;
}

function mint(options: MintOptions = {}): Promise<string> {
  const jwt = new SignJWT({ email: 'alice@example.com', roles: ['admin', 'dev'], ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'EdDSA', kid: options.kid ?? 'idp-1', typ: 'JWT' })
    .setSubject('alice')
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 120);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? idp.privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function get(host: string, headers: Record<string, string> = {}, path = '/') {
  const res = await request(`${gw.base}${path}`, { headers: { host, ...headers } });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

/** Expects a refusal that never reached the upstream. */
async function expectRefused(host: string, headers: Record<string, string>, status: number, code: string) {
  const before = upstream.received.length;
  const res = await get(host, headers);
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.json()['code']).toBe(code);
  expect(upstream.received.length).toBe(before);
  return res;
}

const lastReceived = () => upstream.received.at(-1);

beforeAll(async () => {
  dir = await makeTempDir('rustronaut-access-');
  idp = await generateKeyPair('EdDSA', { extractable: true });
  stranger = await generateKeyPair('EdDSA', { extractable: true });
  rsa = await generateKeyPair('RS256', { extractable: true });
  rsaPem = await exportSPKI(rsa.publicKey);
  await writeFile(join(dir.path, 'rsa.pem'), rsaPem);
  const idpJwk = { ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'EdDSA', use: 'sig' };
  jwks = await startJwksServer([idpJwk]);
  staticJwks = await startJwksServer([idpJwk]);
  upstream = await startHttpUpstream({ name: 'app' });
  wsHeaders = [];
  ws = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(ws, 'listening');
  ws.on('connection', (sock, req) => {
    wsHeaders.push(req.headers);
    sock.send('hello');
  });
  const wsUrl = `http://127.0.0.1:${String((ws.address() as { port: number }).port)}`;
  const jwt = (url: string) => `{ jwt: { jwksUrl: "${url}", issuer: "${ISSUER}", audience: ${AUDIENCE} } }`;
  gw = await startTestGateway(`
routes:
  - name: api
    match: { host: api.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: { jwt: { jwksUrl: "${jwks.url}", issuer: "${ISSUER}", audience: [other, ${AUDIENCE}] }, identityHeaders: true }
  - name: quiet
    match: { host: quiet.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: ${jwt(jwks.url)}
  - name: pem
    match: { host: pem.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: { jwt: { publicKeyFile: "${join(dir.path, 'rsa.pem')}", issuer: "${ISSUER}", audience: ${AUDIENCE} } }
  - name: static
    match: { host: static.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: ${jwt(staticJwks.url)}
  - name: nokeys
    match: { host: nokeys.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: ${jwt('http://127.0.0.1:1/jwks')}
  - name: open
    match: { host: open.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: public
  - name: ws-open
    match: { host: ws-open.test }
    upstreams: [{ url: "${wsUrl}" }]
    access: public
  - name: ws-api
    match: { host: ws-api.test }
    upstreams: [{ url: "${wsUrl}" }]
    access: { jwt: { jwksUrl: "${jwks.url}", issuer: "${ISSUER}", audience: ${AUDIENCE} }, identityHeaders: true }
`);
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  await jwks.close();
  await staticJwks.close();
  ws.close();
  await dir.remove();
});

describe('a valid bearer token', () => {
  it('reaches the upstream with an assertion that verifies against the published JWKS', async () => {
    const res = await get('api.test', { authorization: `Bearer ${await mint()}` });
    expect(res.status).toBe(200);
    const seen = lastReceived()?.headers ?? {};
    const assertion = seen['x-rustronaut-assertion'] as string;
    expect(typeof assertion).toBe('string');
    const keys = createRemoteJWKSet(new URL(`${gw.base}/.well-known/rustronaut/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(assertion, keys, {
      issuer: 'rustronaut-gateway',
      audience: 'http://api.test',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload).toMatchObject({ sub: 'alice', email: 'alice@example.com', roles: ['admin', 'dev'] });
    expect((payload.exp ?? 0) - now()).toBeLessThanOrEqual(300);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);
    expect(payload.exp ?? 0).toBeGreaterThan(now());
    expect(seen['x-rustronaut-user']).toBe('alice');
    expect(seen['x-rustronaut-email']).toBe('alice@example.com');
    expect(seen['x-rustronaut-roles']).toBe('admin,dev');
    // The upstream still gets the client's token: it may want it.
    expect(seen.authorization).toMatch(/^Bearer /);
  });

  it('reuses the signed assertion for the same identity and origin, and signs one per origin', async () => {
    const token = await mint();
    await get('api.test', { authorization: `Bearer ${token}` });
    const first = lastReceived()?.headers['x-rustronaut-assertion'];
    await get('api.test', { authorization: `Bearer ${token}` });
    expect(lastReceived()?.headers['x-rustronaut-assertion']).toBe(first);
    await get('api.test:8080', { authorization: `Bearer ${token}` });
    const other = lastReceived()?.headers['x-rustronaut-assertion'] as string;
    expect(other).not.toBe(first);
    const payload = JSON.parse(Buffer.from(other.split('.')[1] ?? '', 'base64url').toString()) as JWTPayload;
    expect(payload.aud).toBe('http://api.test:8080');
  });

  it('sends only the assertion when the route does not ask for plain identity headers', async () => {
    const res = await get('quiet.test', { authorization: `Bearer ${await mint()}` });
    expect(res.status).toBe(200);
    const seen = lastReceived()?.headers ?? {};
    expect(seen['x-rustronaut-assertion']).toBeDefined();
    expect(seen['x-rustronaut-user']).toBeUndefined();
  });

  it('is accepted with a PEM public key (RS256), and within the 60 s clock skew after expiry', async () => {
    const token = await mint({ key: rsa.privateKey, alg: 'RS256', exp: now() - 30 });
    expect((await get('pem.test', { authorization: `bearer  ${token}` })).status).toBe(200);
  });
});

describe('refused with 401 and WWW-Authenticate', () => {
  it('a request without a token (no error code: RFC 6750 section 3.1)', async () => {
    const res = await expectRefused('api.test', {}, 401, 'ERR_GW_UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rustronaut"');
  });

  it.each([
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['no token', 'Bearer'],
    ['not a JWT', 'Bearer not-a-jwt'],
    ['JSON', 'Bearer {"alg":"none"}'],
    ['an oversized token', `Bearer ${'a'.repeat(9000)}.b.c`],
    ['four parts', 'Bearer a.b.c.d'],
    ['garbage parts', 'Bearer e30.e30.'],
  ])('a malformed Authorization header: %s', async (_name, header) => {
    const res = await expectRefused('api.test', { authorization: header }, 401, 'ERR_GW_UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="rustronaut", error="invalid_token"/);
  });

  it('an unsecured token (alg: none)', async () => {
    const payload = b64({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now() + 60 });
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    const res = await expectRefused('api.test', { authorization: `Bearer ${token}` }, 401, 'ERR_GW_UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    await expectRefused('pem.test', { authorization: `Bearer ${token}` }, 401, 'ERR_GW_UNAUTHENTICATED');
  });

  it('HS256 signed with the public key as the HMAC secret', async () => {
    const token = await mint({ alg: 'HS256', key: new TextEncoder().encode(rsaPem) });
    const res = await expectRefused('pem.test', { authorization: `Bearer ${token}` }, 401, 'ERR_GW_UNAUTHENTICATED');
    expect(res.json()['detail']).toContain('algorithm');
    const jwk = JSON.stringify(await exportJWK(idp.publicKey));
    const viaJwk = await mint({ alg: 'HS256', key: new TextEncoder().encode(jwk) });
    await expectRefused('api.test', { authorization: `Bearer ${viaJwk}` }, 401, 'ERR_GW_UNAUTHENTICATED');
  });

  it('an expired token (beyond the clock skew)', async () => {
    const res = await expectRefused(
      'api.test',
      { authorization: `Bearer ${await mint({ exp: now() - 120 })}` },
      401,
      'ERR_GW_UNAUTHENTICATED',
    );
    expect(res.headers['www-authenticate']).toContain('error_description="the token has expired"');
  });

  it('a token that is not valid yet', async () => {
    const token = await mint({ nbf: now() + 300 });
    const res = await expectRefused('api.test', { authorization: `Bearer ${token}` }, 401, 'ERR_GW_UNAUTHENTICATED');
    expect(res.json()['detail']).toBe('the token is not valid yet');
  });

  it('a token for another audience, or from another issuer', async () => {
    const wrongAud = await mint({ aud: 'someone-else' });
    expect(
      (await expectRefused('api.test', { authorization: `Bearer ${wrongAud}` }, 401, 'ERR_GW_UNAUTHENTICATED')).json()[
        'detail'
      ],
    ).toContain('aud');
    const wrongIss = await mint({ iss: 'https://evil.test' });
    expect(
      (await expectRefused('api.test', { authorization: `Bearer ${wrongIss}` }, 401, 'ERR_GW_UNAUTHENTICATED')).json()[
        'detail'
      ],
    ).toContain('iss');
  });

  it('a token without a subject or an expiry', async () => {
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'idp-1' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(idp.privateKey);
    await expectRefused('api.test', { authorization: `Bearer ${noExp}` }, 401, 'ERR_GW_UNAUTHENTICATED');
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'idp-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now() + 60)
      .sign(idp.privateKey);
    await expectRefused('api.test', { authorization: `Bearer ${noSub}` }, 401, 'ERR_GW_UNAUTHENTICATED');
  });

  it('a token signed with an unknown key, without hammering the JWKS (one refetch per 30 s at most)', async () => {
    // The start-up fetch was moments ago, so the cooldown holds every refetch back (key-source.test.ts shows a
    // rotated key being picked up once the cooldown has passed).
    const before = jwks.fetches;
    for (const kid of ['stranger', 'stranger-2', 'stranger-3']) {
      const token = await mint({ key: stranger.privateKey, kid });
      const res = await expectRefused('api.test', { authorization: `Bearer ${token}` }, 401, 'ERR_GW_UNAUTHENTICATED');
      expect(res.json()['detail']).toBe('the token is signed with an unknown key');
    }
    expect(jwks.fetches).toBe(before);
  });

  it('a token signed by another key under the known kid, or with a tampered signature or payload', async () => {
    const forged = await mint({ key: stranger.privateKey });
    await expectRefused('api.test', { authorization: `Bearer ${forged}` }, 401, 'ERR_GW_UNAUTHENTICATED');
    const [header, payload, signature = ''] = (await mint()).split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const res = await expectRefused(
      'api.test',
      { authorization: `Bearer ${String(header)}.${String(payload)}.${flipped}` },
      401,
      'ERR_GW_UNAUTHENTICATED',
    );
    expect(res.json()['detail']).toBe('the token signature does not verify');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as JWTPayload;
    const elevated = b64({ ...claims, sub: 'root' });
    await expectRefused(
      'api.test',
      { authorization: `Bearer ${String(header)}.${elevated}.${signature}` },
      401,
      'ERR_GW_UNAUTHENTICATED',
    );
  });
});

describe('remote keys', () => {
  it('keep verifying new tokens with the last good JWKS after the JWKS endpoint went down (fail static)', async () => {
    expect((await get('static.test', { authorization: `Bearer ${await mint()}` })).status).toBe(200);
    await staticJwks.close();
    const fresh = await mint({ claims: { email: 'other@example.com' } });
    expect((await get('static.test', { authorization: `Bearer ${fresh}` })).status).toBe(200);
    const payload = decodeProtectedHeader(fresh);
    expect(payload.kid).toBe('idp-1');
  });

  it('answer 503, never open, when the JWKS was never fetched', async () => {
    const res = await expectRefused(
      'nokeys.test',
      { authorization: `Bearer ${await mint()}` },
      503,
      'ERR_GW_AUTH_UNAVAILABLE',
    );
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('the gateway JWKS', () => {
  it('is published on every host, before routing, with the key that signs the assertions', async () => {
    for (const host of ['api.test', 'open.test', 'unrouted.test']) {
      const res = await get(host, {}, '/.well-known/rustronaut/jwks.json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/jwk-set+json');
      const keys = res.json()['keys'] as JWK[];
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(keys[0]).not.toHaveProperty('d');
    }
    await get('api.test', { authorization: `Bearer ${await mint()}` });
    const assertion = lastReceived()?.headers['x-rustronaut-assertion'] as string;
    const published = (await get('api.test', {}, '/.well-known/rustronaut/jwks.json')).json()['keys'] as JWK[];
    expect(decodeProtectedHeader(assertion).kid).toBe(published[0]?.kid);
  });

  it('is not answered for an invalid Host', async () => {
    const answer = await rawExchange(
      gw.httpPort,
      'GET /.well-known/rustronaut/jwks.json HTTP/1.1\r\nHost: bad_host\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(400);
  });
});

describe('identity headers sent by clients', () => {
  const spoofed = [
    ['X-Rustronaut-User', 'mallory'],
    ['X_Rustronaut_User', 'mallory'],
    ['x-rustronaut_email', 'mallory@example.com'],
    ['X-RUSTRONAUT-ROLES', 'owner'],
    ['X-Rustronaut-Assertion', 'forged.assertion.value'],
  ] as const;
  const spoofHead = spoofed.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const ours = (raw: readonly string[]) =>
    raw.filter((_, i) => i % 2 === 0 && /^x[-_]rustronaut/i.test(raw[i] ?? '')).map((n) => n.toLowerCase());

  it('never reach the upstream of a public route', async () => {
    const answer = await rawExchange(
      gw.httpPort,
      `GET / HTTP/1.1\r\nHost: open.test\r\n${spoofHead}Connection: close\r\n\r\n`,
    );
    expect(statusOf(answer)).toBe(200);
    expect(ours(lastReceived()?.rawHeaders ?? [])).toEqual([]);
  });

  it('are replaced by the gateway on a protected route', async () => {
    const token = await mint();
    const answer = await rawExchange(
      gw.httpPort,
      `GET / HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer ${token}\r\n${spoofHead}Connection: close\r\n\r\n`,
    );
    expect(statusOf(answer)).toBe(200);
    const received = lastReceived();
    expect(ours(received?.rawHeaders ?? []).sort()).toEqual(
      ['x-rustronaut-assertion', 'x-rustronaut-email', 'x-rustronaut-roles', 'x-rustronaut-user'].sort(),
    );
    expect(received?.headers['x-rustronaut-user']).toBe('alice');
    expect(received?.headers['x-rustronaut-roles']).toBe('admin,dev');
    expect(received?.headers['x-rustronaut-assertion']).not.toBe('forged.assertion.value');
  });

  it('never reach a WebSocket upstream, public or protected', async () => {
    const headers = Object.fromEntries(spoofed);
    const open = new WebSocket(`ws://127.0.0.1:${String(gw.httpPort)}/`, {
      headers: { host: 'ws-open.test', ...headers },
    });
    await once(open, 'message');
    open.close();
    const openSeen = wsHeaders.at(-1) ?? {};
    expect(Object.keys(openSeen).filter((n) => /^x[-_]rustronaut/.test(n))).toEqual([]);

    const token = await mint();
    const api = new WebSocket(`ws://127.0.0.1:${String(gw.httpPort)}/`, {
      headers: { host: 'ws-api.test', authorization: `Bearer ${token}`, ...headers },
    });
    await once(api, 'message');
    api.close();
    const seen = wsHeaders.at(-1) ?? {};
    expect(
      Object.keys(seen)
        .filter((n) => /^x[-_]rustronaut/.test(n))
        .sort(),
    ).toEqual(['x-rustronaut-assertion', 'x-rustronaut-email', 'x-rustronaut-roles', 'x-rustronaut-user'].sort());
    expect(seen['x-rustronaut-user']).toBe('alice');
    const keys = createRemoteJWKSet(new URL(`${gw.base}/.well-known/rustronaut/jwks.json`));
    await jwtVerify(seen['x-rustronaut-assertion'] as string, keys, { audience: 'http://ws-api.test' });
  });

  it('a WebSocket upgrade to a protected route without a token is refused with 401', async () => {
    const before = wsHeaders.length;
    const answer = await rawExchange(
      gw.httpPort,
      'GET / HTTP/1.1\r\nHost: ws-api.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(401);
    expect(answer).toContain('www-authenticate: Bearer realm="rustronaut"');
    expect(answer).toContain('ERR_GW_UNAUTHENTICATED');
    expect(wsHeaders.length).toBe(before);
  });
});

describe('gateway file garbage names the field', () => {
  const check = async (yaml: string) => {
    const file = join(dir.path, `check-${String(Math.random()).slice(2)}.yaml`);
    await writeFile(file, yaml);
    return checkGatewayFile(file).then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
  };
  const route = (access: string) =>
    `routes:\n  - name: r\n    match: { host: r.test }\n    upstreams: [{ url: "http://127.0.0.1:1" }]\n    access: ${access}\n`;

  it.each([
    ['an unknown word', 'private', /routes\[0\]\.access: expected `public`/],
    ['a number', '3', /routes\[0\]\.access: expected `public`/],
    ['an empty object', '{}', /routes\[0\]\.access: .*needs `jwt`, `mtls`, or both/],
    ['an unknown field', '{ jwt: { jwksUrl: "https://idp.test/jwks", issuer: i, audience: a }, oauth: true }', /oauth/],
    [
      'no key source',
      '{ jwt: { issuer: i, audience: a } }',
      /jwt\.jwksUrl: set exactly one of `jwksUrl` and `publicKeyFile`/,
    ],
    [
      'both key sources',
      '{ jwt: { jwksUrl: "https://idp.test/jwks", publicKeyFile: k.pem, issuer: i, audience: a } }',
      /jwt\.jwksUrl: set exactly one/,
    ],
    ['a bad URL', '{ jwt: { jwksUrl: "ftp://idp.test", issuer: i, audience: a } }', /jwt\.jwksUrl: expected an http/],
    [
      'HS256',
      '{ jwt: { jwksUrl: "https://idp.test/jwks", issuer: i, audience: a, algorithms: [HS256] } }',
      /jwt\.algorithms\.0: expected one of .*none and HS\* are never accepted/,
    ],
    [
      'none',
      '{ jwt: { jwksUrl: "https://idp.test/jwks", issuer: i, audience: a, algorithms: [none] } }',
      /jwt\.algorithms\.0/,
    ],
    ['no issuer', '{ jwt: { jwksUrl: "https://idp.test/jwks", audience: a } }', /jwt\.issuer/],
    ['a bad audience', '{ jwt: { jwksUrl: "https://idp.test/jwks", issuer: i, audience: [] } }', /jwt\.audience/],
    [
      'optional mTLS alone',
      '{ mtls: { caFile: ca.pem, required: false } }',
      /mtls\.required: `required: false` needs `jwt`/,
    ],
  ])('%s', async (_name, access, expected) => {
    expect(await check(route(access))).toMatch(expected);
  });

  it('names unreadable or unusable files', async () => {
    expect(
      await check(route(`{ jwt: { publicKeyFile: "${join(dir.path, 'missing.pem')}", issuer: i, audience: a } }`)),
    ).toMatch(/routes\[0\]\.access\.jwt\.publicKeyFile: cannot read .*ENOENT/);
    await writeFile(join(dir.path, 'garbage.pem'), 'not a key');
    expect(
      await check(route(`{ jwt: { publicKeyFile: "${join(dir.path, 'garbage.pem')}", issuer: i, audience: a } }`)),
    ).toMatch(/routes\[0\]\.access\.jwt\.publicKeyFile: .* holds no usable public key/);
    expect(await check(`identity: { signingKeyFile: "${join(dir.path, 'rsa.pem')}" }\n${route('public')}`)).toMatch(
      /identity\.signingKeyFile: /,
    );
    expect(await check(`identity: { issuer: "" }\n${route('public')}`)).toMatch(/identity\.issuer/);
  });

  it('refuses mTLS routes without an HTTPS listener', async () => {
    expect(await check(route(`{ mtls: { caFile: "${join(dir.path, 'rsa.pem')}" } }`))).toMatch(
      /routes\[0\]\.access\.mtls: client certificates need the HTTPS listener/,
    );
  });

  it('accepts the documented shapes', async () => {
    expect(
      await check(
        route(
          `{ jwt: { publicKeyFile: "${join(dir.path, 'rsa.pem')}", issuer: i, audience: a, algorithms: [RS256] }, identityHeaders: true }`,
        ),
      ),
    ).toBe('');
  });
});
