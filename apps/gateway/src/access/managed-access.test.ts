// Managed access without the admin: the org's access material is made here the way the admin makes it (an
// EdDSA signing key, an intent key, an assertion key), so each refusal of issue 5's list is checked directly.
import type { SnapshotAccess } from '@rustronaut/contracts';
import {
  createDecipheriv,
  createHash,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
} from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CALLBACK_PATH, compileManagedAccess, type RedeemCode } from './managed-access.js';
import { compileOrgAccess, cookieValue } from './org-access.js';
import type { AccessDecision, AccessRequest } from './access-decision.js';

const ORG = randomUUID();
const USER = randomUUID();
const SESSION = randomUUID();
const RESOURCE = randomUUID();
const ORIGIN = 'https://app.example.com';
const signing = generateKeyPairSync('ed25519');
const jwk = { ...signing.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' };
const intentKey = randomBytes(32).toString('base64url');
const apiKey = `rsk_ABCDEFGHIJKL_${randomBytes(32).toString('base64url')}`;
/** SHA-256 in hex, as the admin stores API keys. */
const createHashHex = (text: string) => createHash('sha256').update(text).digest('hex');

const access = (overrides: Partial<SnapshotAccess> = {}): SnapshotAccess => ({
  issuer: 'rustronaut',
  loginUrl: 'https://admin.example.com/login',
  keys: [jwk],
  intentKey,
  assertionKey: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  principals: [{ id: USER, email: 'ada@example.com', roles: ['member'], disabled: false }],
  revokedSessions: [],
  apiKeys: [
    {
      prefix: 'ABCDEFGHIJKL',
      sha256: createHashHex(apiKey),
      userId: USER,
      expiresAt: null,
    },
  ],
  policies: {},
  deviceCas: [],
  ...overrides,
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A compact JWT with any header and claims, signed with `key` (Ed25519) or an HMAC secret. */
function jwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'EdDSA', kid: 'k1' }): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature =
    header['alg'] === 'HS256'
      ? createHmac('sha256', signing.publicKey.export({ type: 'spki', format: 'pem' }))
          .update(input)
          .digest()
      : header['alg'] === 'none'
        ? Buffer.alloc(0)
        : sign(null, Buffer.from(input), signing.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const good = (over: Record<string, unknown> = {}) =>
  jwt({
    iss: 'rustronaut',
    sub: USER,
    sid: SESSION,
    aud: ORIGIN,
    amr: ['password'],
    mfa: false,
    exp: now() + 600,
    ...over,
  });

const request = (path = '/', target = path): AccessRequest => ({
  origin: ORIGIN,
  https: true,
  client: '203.0.113.7',
  path,
  target,
});
const req = (headers: Record<string, string>, method = 'GET') =>
  ({
    method,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  }) as unknown as IncomingMessage;

const never: RedeemCode = () => Promise.reject(new Error('not called'));
function route(
  options: { rules?: unknown[]; isPublic?: boolean; snapshot?: Partial<SnapshotAccess>; redeem?: RedeemCode } = {},
) {
  const policyId = options.rules === undefined ? null : randomUUID();
  const org = compileOrgAccess(
    access({ ...options.snapshot, policies: policyId === null ? {} : { [policyId]: { rules: options.rules ?? [] } } }),
    ORG,
    () => undefined,
  );
  return compileManagedAccess(
    { policy: policyId, public: options.isPublic ?? false },
    RESOURCE,
    org,
    false,
    options.redeem ?? never,
  );
}
const decide = (d: AccessDecision | Promise<AccessDecision>) => d as AccessDecision;
const cookie = (token: string) => ({ cookie: `__Host-rs_session=${token}` });
const BROWSER = { accept: 'text/html' };

describe('managed access: sessions', () => {
  it('admits a valid session cookie with the member’s current roles', () => {
    const d = decide(route().check(req(cookie(good())), request()));
    expect(d).toMatchObject({
      ok: true,
      identity: { sub: USER, email: 'ada@example.com', roles: ['member'], method: 'session' },
    });
    expect(d.verdict).toMatchObject({ allowed: true, reason: 'allowed_by_rule', ruleId: 'org-members', userId: USER });
  });

  it.each([
    [
      'alg none',
      jwt({ iss: 'rustronaut', sub: USER, sid: SESSION, aud: ORIGIN, exp: now() + 600 }, { alg: 'none', kid: 'k1' }),
      /malformed|EdDSA/,
    ],
    [
      'HS256 signed with the public key',
      jwt({ iss: 'rustronaut', sub: USER, sid: SESSION, aud: ORIGIN, exp: now() + 600 }, { alg: 'HS256', kid: 'k1' }),
      /malformed|EdDSA/,
    ],
    ['expired', good({ exp: now() - 1 }), /expired/],
    ['another audience', good({ aud: 'https://evil.example' }), /another origin/],
    ['another issuer', good({ iss: 'evil' }), /another issuer/],
    [
      'an unknown key',
      jwt({ iss: 'rustronaut', sub: USER, sid: SESSION, aud: ORIGIN, exp: now() + 600 }, { alg: 'EdDSA', kid: 'k2' }),
      /unknown key/,
    ],
    [
      'a changed payload',
      `${good().split('.')[0] ?? ''}.${b64({ iss: 'rustronaut', sub: USER, sid: SESSION, aud: ORIGIN, exp: now() + 9999 })}.${good().split('.')[2] ?? ''}`,
      /does not verify/,
    ],
    ['no session id', good({ sid: undefined }), /no user or session/],
    ['garbage', 'not.a.jwt', /malformed/],
    ['oversized', 'a'.repeat(5000), /too long/],
  ])('refuses a session token: %s (401 to API clients, login for browsers)', (_, token, detail) => {
    const api = decide(route().check(req({ authorization: `Bearer ${token}` }), request()));
    expect(api).toMatchObject({ ok: false, def: { status: 401 } });
    const asCookie = decide(route().check(req({ ...cookie(token), ...BROWSER }), request()));
    expect(asCookie).toMatchObject({
      ok: false,
      redirect: expect.stringMatching(/^https:\/\/admin\.example\.com\/login\?intent=v1\./),
    });
    expect(String(asCookie.ok === false && asCookie.headers?.['set-cookie'])).toMatch(
      /^__Host-rs_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$/,
    );
    const plain = decide(route().check(req(cookie(token)), request()));
    expect(plain.ok === false && 'detail' in plain ? plain.detail : '').toMatch(detail);
  });

  it('refuses a revoked session, a disabled user and a user who left the org', () => {
    expect(
      decide(route({ snapshot: { revokedSessions: [SESSION] } }).check(req(cookie(good())), request())),
    ).toMatchObject({
      ok: false,
      detail: 'the session has ended',
    });
    const disabled = [{ id: USER, email: 'ada@example.com', roles: ['member'], disabled: true }];
    expect(decide(route({ snapshot: { principals: disabled } }).check(req(cookie(good())), request())).ok).toBe(false);
    expect(decide(route({ snapshot: { principals: [] } }).check(req(cookie(good())), request())).ok).toBe(false);
  });

  it('refuses malformed cookies: sent twice, oversized; reads only its own name', () => {
    const twice = { cookie: `__Host-rs_session=${good()}; __Host-rs_session=${good()}` };
    expect(decide(route().check(req(twice), request()))).toMatchObject({
      ok: false,
      detail: 'the session cookie is sent twice',
    });
    expect(decide(route().check(req({ cookie: `__Host-rs_session=${'x'.repeat(5000)}` }), request()))).toMatchObject({
      detail: 'the session cookie is too long',
    });
    // The plain-HTTP name is not accepted on HTTPS (a `__Host-` cookie cannot be set by a sibling subdomain).
    expect(decide(route().check(req({ cookie: `rs_session=${good()}` }), request())).ok).toBe(false);
    expect(cookieValue('a=1; b=2', 'b')).toBe('2');
    expect(cookieValue('ab=1', 'b')).toBeUndefined();
  });
});

describe('managed access: API keys', () => {
  it('admits a known key and refuses unknown, malformed and expired ones', () => {
    expect(decide(route().check(req({ authorization: `Bearer ${apiKey}` }), request()))).toMatchObject({
      ok: true,
      identity: { method: 'api_key', sub: USER },
    });
    for (const bad of [`rsk_ABCDEFGHIJKL_${'A'.repeat(43)}`, 'rsk_short', `rsk_ZZZZZZZZZZZZ_${'A'.repeat(43)}`]) {
      expect(decide(route().check(req({ authorization: `Bearer ${bad}` }), request()))).toMatchObject({
        ok: false,
        def: { status: 401 },
      });
    }
    const expired = route({
      snapshot: {
        apiKeys: [
          { prefix: 'ABCDEFGHIJKL', sha256: createHashHex(apiKey), userId: USER, expiresAt: '2020-01-01T00:00:00Z' },
        ],
      },
    });
    expect(decide(expired.check(req({ authorization: `Bearer ${apiKey}` }), request())).ok).toBe(false);
  });
});

describe('managed access: policy', () => {
  it('anonymous browsers go to the login page with an encrypted intent; API clients get 401; POSTs are never redirected', () => {
    const browser = decide(route().check(req(BROWSER), request('/reports', '/reports?q=1')));
    expect(browser).toMatchObject({ ok: false, redirect: expect.stringContaining('intent=v1.') });
    const intent =
      new URL(browser.ok === false && browser.redirect !== undefined ? browser.redirect : '').searchParams.get(
        'intent',
      ) ?? '';
    const [, org, body = ''] = intent.split('.');
    expect(org).toBe(ORG);
    const sealed = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(intentKey, 'base64url'), sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(ORG));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = JSON.parse(
      Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString(),
    ) as Record<string, unknown>;
    expect(plain).toMatchObject({ resourceId: RESOURCE, origin: ORIGIN, path: '/reports?q=1' });
    expect(decide(route().check(req({ accept: 'application/json' }), request()))).toMatchObject({
      def: { status: 401 },
      headers: { 'www-authenticate': 'Bearer realm="rustronaut"' },
    });
    expect(decide(route().check(req(BROWSER, 'POST'), request())).ok === false).toBe(true);
    expect(decide(route().check(req(BROWSER, 'POST'), request()))).not.toHaveProperty('redirect', expect.any(String));
  });

  it('a bypass path passes anonymously; dot-segments and encoded dots cannot reach a private path through it', () => {
    const r = route({
      rules: [
        { id: 'health', effect: 'bypass', when: { paths: ['/public'] } },
        { id: 'members', effect: 'allow', when: {} },
      ],
    });
    expect(decide(r.check(req({}), request('/public/status')))).toMatchObject({ ok: true, identity: undefined });
    // The gateway normalizes paths before access (see routing/normalize-path): these are what reaches the policy.
    expect(decide(r.check(req({}), request('/private'))).ok).toBe(false);
    expect(decide(r.check(req({}), request('/public/../private'))).ok).toBe(false);
    expect(decide(r.check(req({}), request('/public/%2e%2e/private'))).ok).toBe(false);
  });

  it('authenticated but not allowed: 403 with the reason and rule, never a redirect; deny beats allow', () => {
    const r = route({
      rules: [
        { id: 'everyone', effect: 'allow', when: {} },
        { id: 'no-office', effect: 'deny', when: { sourceCidrs: ['203.0.113.0/24'] } },
      ],
    });
    const d = decide(r.check(req({ ...cookie(good()), ...BROWSER }), request()));
    expect(d).toMatchObject({
      ok: false,
      def: { code: 'ERR_GW_ACCESS_DENIED', status: 403 },
      detail: 'access denied (denied_by_rule, rule "no-office")',
    });
    expect(d).not.toHaveProperty('redirect', expect.any(String));
  });

  it('a policy that is missing from the snapshot or does not compile admits nobody', () => {
    const bad = route({ rules: [{ id: 'x', effect: 'allow', when: { sourceCidrs: ['not a cidr'] } }] });
    expect(decide(bad.check(req(cookie(good())), request())).ok).toBe(false);
  });
});

describe('managed access: the callback', () => {
  const session = {
    token: good(),
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    returnPath: '/reports?q=1',
  };
  const callback = (query: string, redeem: RedeemCode, method = 'GET') =>
    route({ redeem }).callback?.(
      req(BROWSER, method),
      request(CALLBACK_PATH, `${CALLBACK_PATH}?${query}`),
    ) as Promise<AccessDecision>;
  const code = `rac_${'A'.repeat(43)}`;

  it('sets the host-scoped cookie and sends the browser back on its own origin', async () => {
    const d = await callback(`code=${code}`, () => Promise.resolve({ ok: true, session }));
    expect(d).toMatchObject({ ok: false, redirect: `${ORIGIN}/reports?q=1` });
    expect(String(d.ok === false && d.headers?.['set-cookie'])).toMatch(
      /^__Host-rs_session=[\w.-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    'https:evil.example',
    ' /x',
    '/x\ty',
    '/\u0000',
    'https://app@evil.example',
    '/%0d%0aSet-Cookie:x',
  ])('never redirects off the origin: return path %j', async (returnPath) => {
    const d = await callback(`code=${code}`, () => Promise.resolve({ ok: true, session: { ...session, returnPath } }));
    const location = d.ok === false ? (d.redirect ?? '') : '';
    expect(new URL(location).origin).toBe(ORIGIN);
    expect(location === `${ORIGIN}/` || location === `${ORIGIN}${returnPath}`).toBe(true);
    expect(/[\s\\]/.test(location) || location.includes('\u0000')).toBe(false);
  });

  it('refuses missing, repeated and malformed codes, and codes the admin refuses; 503 when the admin is away', async () => {
    for (const query of ['', 'code=', `code=${code}&code=${code}`, 'code=../../x']) {
      expect(await callback(query, never)).toMatchObject({ def: { code: 'ERR_GW_CALLBACK_INVALID', status: 400 } });
    }
    expect(await callback(`code=${code}`, () => Promise.resolve({ ok: false }))).toMatchObject({
      def: { status: 400 },
    });
    expect(await callback(`code=${code}`, never)).toMatchObject({
      def: { status: 503 },
      headers: { 'retry-after': '5' },
    });
  });
});
