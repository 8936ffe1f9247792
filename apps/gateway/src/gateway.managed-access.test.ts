// A real gateway applying an admin snapshot with managed access, the admin's part played here (the access material
// made the way the admin makes it; the whole flow with the real admin is tests/e2e/identity-access.test.ts):
// decisions reported with their status, intrusion blocking, and what happens while the admin is unreachable.
import type { GatewayFileConfig, SnapshotAccess } from '@rustronaut/contracts';
import { gatewayFileSchema } from '@rustronaut/contracts';
import { loadConfig } from '@rustronaut/config';
import { createLogger, createMetricsRegistry } from '@rustronaut/observability';
import { startHttpUpstream, type HttpUpstream } from '@rustronaut/testkit';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RedeemCode } from './access/managed-access.js';
import { startGateway, type RunningGateway } from './gateway.js';
import type { AccessReport } from './proxy/http-proxy.js';

const ORG = randomUUID();
const USER = randomUUID();
const RESOURCE = randomUUID();
const OFFICE_POLICY = randomUUID();
const HOST = 'app.managed.test';
const signing = generateKeyPairSync('ed25519');
const apiKey = `rsk_ABCDEFGHIJKL_${randomBytes(32).toString('base64url')}`;

const access: SnapshotAccess = {
  issuer: 'rustronaut',
  loginUrl: 'https://admin.managed.test/login',
  keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' }],
  intentKey: randomBytes(32).toString('base64url'),
  assertionKey: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  principals: [{ id: USER, email: 'ada@example.com', roles: ['viewer'], disabled: false }],
  revokedSessions: [],
  apiKeys: [
    {
      prefix: 'ABCDEFGHIJKL',
      sha256: createHash('sha256').update(apiKey).digest('hex'),
      userId: USER,
      expiresAt: null,
    },
  ],
  policies: {
    [OFFICE_POLICY]: { rules: [{ id: 'office', effect: 'allow', when: { sourceCidrs: ['198.51.100.0/24'] } }] },
  },
  deviceCas: [],
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sessionToken = (host = HOST, sid = randomUUID()) => {
  const input = `${b64({ alg: 'EdDSA', kid: 'k1' })}.${b64({
    iss: 'rustronaut',
    sub: USER,
    sid,
    aud: `http://${host}`,
    amr: ['password'],
    exp: Math.floor(Date.now() / 1000) + 600,
  })}`;
  return `${input}.${sign(null, Buffer.from(input), signing.privateKey).toString('base64url')}`;
};

let upstream: HttpUpstream;
let gw: RunningGateway;
let base: string;
const reports: AccessReport[] = [];
let redeem: RedeemCode = () => Promise.reject(new Error('the admin is unreachable'));

const config = (): GatewayFileConfig =>
  gatewayFileSchema.parse({
    routes: [
      {
        name: RESOURCE,
        match: { host: HOST },
        upstreams: [{ url: upstream.url }],
        access: { managed: { policy: null } },
      },
      { name: 'open', match: { host: 'open.managed.test' }, upstreams: [{ url: upstream.url }], access: 'public' },
      {
        name: 'office',
        match: { host: 'office.managed.test' },
        upstreams: [{ url: upstream.url }],
        access: { managed: { policy: OFFICE_POLICY } },
      },
    ],
  });

const get = async (path: string, headers: Record<string, string> = {}, host = HOST, ip?: string) => {
  const res = await request(`${base}${path}`, {
    headers: { host, ...headers, ...(ip === undefined ? {} : { 'x-forwarded-for': ip }) },
  });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
};

beforeAll(async () => {
  upstream = await startHttpUpstream({ name: 'private' });
  gw = await startGateway({
    config: loadConfig({
      env: {
        RUSTRONAUT_GATEWAY_HTTP_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_GATEWAY_ACCESS_LOG: 'false',
        RUSTRONAUT_GATEWAY_BLOCK_AFTER_REFUSALS: '3',
      },
    }),
    logger: createLogger({ level: 'silent', format: 'json' }),
    metrics: createMetricsRegistry({ role: 'gateway', version: 'test' }),
    awaitConfig: true,
    accessControl: { orgId: ORG, redeem: (code, origin) => redeem(code, origin), report: (r) => reports.push(r) },
  });
  base = `http://127.0.0.1:${String(gw.httpPort)}`;
  expect(await gw.applyConfig(config(), 1, access)).toEqual({ ok: true, version: 1 });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

describe('a gateway with managed access', () => {
  it('refuses a managed route in a snapshot without its access part, keeping the previous configuration', async () => {
    const refused = await gw.applyConfig(config(), 2);
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining('routes[0].access.managed') });
    expect(gw.version()).toBe(1);
  });

  it('reports every decision with its status, off the request path', async () => {
    reports.length = 0;
    expect((await get('/a', { cookie: `rs_session=${sessionToken()}` })).status).toBe(200);
    expect((await get('/b', { authorization: `Bearer ${apiKey}` })).status).toBe(200);
    expect((await get('/c', { accept: 'text/html' })).status).toBe(302);
    await vi.waitFor(() => expect(reports).toHaveLength(3));
    expect(reports.map((r) => [r.path, r.status, r.verdict.allowed, r.verdict.reason])).toEqual([
      ['/a', 200, true, 'allowed_by_rule'],
      ['/b', 200, true, 'allowed_by_rule'],
      ['/c', 302, false, 'unauthenticated'],
    ]);
    expect(reports[1]?.verdict).toMatchObject({ userId: USER, authMethod: 'api_key' });
    // Public routes decide nothing and report nothing.
    expect((await get('/', {}, 'open.managed.test')).status).toBe(200);
    expect(reports).toHaveLength(3);
  });

  it('takes the source address from the peer: a spoofed X-Forwarded-For from an untrusted peer satisfies no CIDR rule', async () => {
    const spoofed = await get(
      '/',
      { cookie: `rs_session=${sessionToken('office.managed.test')}` },
      'office.managed.test',
      '198.51.100.7',
    );
    expect(spoofed.status).toBe(403);
    expect(spoofed.body).toContain('no_matching_allow');
  });

  it('blocks a source address after repeated refusals (429 with Retry-After), once, in the audit report', async () => {
    // The 403 of the previous test counted once already: two more refusals reach the threshold of 3.
    reports.length = 0;
    const attacker = '198.51.100.23';
    // The peer is loopback, which is not a trusted proxy: X-Forwarded-For is ignored, the peer is the source.
    for (let i = 0; i < 2; i++) {
      expect(
        (await get('/', { authorization: 'Bearer rsk_ABCDEFGHIJKL_' + 'A'.repeat(43) }, HOST, attacker)).status,
      ).toBe(401);
    }
    const blocked = await get('/', { cookie: `rs_session=${sessionToken()}` });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toContain('ERR_GW_SOURCE_BLOCKED');
    // Public routes stay reachable.
    expect((await get('/', {}, 'open.managed.test')).status).toBe(200);
    await vi.waitFor(() => expect(reports.filter((r) => r.verdict.reason === 'source_blocked')).toHaveLength(1));
  });
});

describe('a gateway with managed access while the admin is unreachable', () => {
  let fresh: RunningGateway;
  let freshBase: string;
  beforeAll(async () => {
    fresh = await startGateway({
      config: loadConfig({
        env: {
          RUSTRONAUT_GATEWAY_HTTP_LISTEN: '127.0.0.1:0',
          RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0',
          RUSTRONAUT_GATEWAY_ACCESS_LOG: 'false',
        },
      }),
      logger: createLogger({ level: 'silent', format: 'json' }),
      metrics: createMetricsRegistry({ role: 'gateway', version: 'test' }),
      awaitConfig: true,
      accessControl: { orgId: ORG, redeem: (code, origin) => redeem(code, origin), report: () => undefined },
    });
    freshBase = `http://127.0.0.1:${String(fresh.httpPort)}`;
    await fresh.applyConfig(config(), 1, access);
  });
  afterAll(() => fresh.close());

  it('keeps valid sessions working, lets nothing in without a credential, and cannot finish a sign-in (503)', async () => {
    redeem = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const at = async (path: string, headers: Record<string, string> = {}) => {
      const res = await request(`${freshBase}${path}`, { headers: { host: HOST, ...headers } });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await at('/', { cookie: `rs_session=${sessionToken()}` })).toBe(200);
    expect(await at('/')).toBe(401);
    expect(await at('/', { cookie: 'rs_session=garbage' })).toBe(401);
    expect(await at('/', { authorization: 'Bearer a.b.c' })).toBe(401);
    expect(await at(`/.rustronaut/callback?code=rac_${'A'.repeat(43)}`, { accept: 'text/html' })).toBe(503);
  });
});
