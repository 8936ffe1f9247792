// Identity-aware access end to end (issue 5, acceptance 1): a fresh `rustronaut start` (admin + its managed
// gateway), a protected resource, and a client with a cookie jar walking the browser flow: sent to the login
// page with an opaque intent, signed in, back through the one-time code to a host-scoped session cookie; the
// upstream receives an assertion that verifies against the JWKS the gateway publishes; after logout the next
// request (within 1 s) is sent to sign in again. Then API keys, a 403 without a redirect loop, and the audit log.
import { freePorts, makeTempDir, startHttpUpstream, type HttpUpstream, type TempDir } from '@rustronaut/testkit';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from './chromium.js';
import { runCli, waitForOk, type CliProcess } from './cli-process.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

const EMAIL = 'owner@example.com';
const PASSWORD = 'a long passphrase for the owner';
const HOST = 'app.e2e.example';
const ORIGIN = `http://${HOST}`;

let tmp: TempDir;
let proc: CliProcess;
let upstream: HttpUpstream;
let api: string;
let gatewayPort: number;
let token: string;
let orgId: string;

/** A request to the gateway with a Host header (fetch cannot set one) and no redirect following. */
function gw(path: string, headers: Record<string, string> = {}, host = HOST): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: gatewayPort, path, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function call(method: string, path: string, body?: unknown, bearer = token) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/** Polls until `check` holds or `ms` pass; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${String(ms)} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-e2e-identity-');
  upstream = await startHttpUpstream({ name: 'private-app' });
  const [admin, control, http = 0, ops] = await freePorts(4);
  gatewayPort = http;
  api = `http://127.0.0.1:${String(admin)}`;
  proc = runCli(['start'], {
    // The tunnel hub is tests/e2e/tunnel.test.ts's, in its own namespaces: none in the host's from here.
    RUSTRONAUT_TUNNEL_HUB: 'off',
    RUSTRONAUT_DATA_DIR: join(tmp.path, 'data'),
    RUSTRONAUT_ADMIN_LISTEN: `127.0.0.1:${String(admin)}`,
    RUSTRONAUT_ADMIN_CONTROL_LISTEN: `127.0.0.1:${String(control)}`,
    RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(http)}`,
    RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${String(ops)}`,
    RUSTRONAUT_ADMIN_EMAIL: EMAIL,
    RUSTRONAUT_ADMIN_PASSWORD: PASSWORD,
  });
  await waitForOk(`${api}/readyz`, 120_000);
  const login = await fetch(`${api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  token = ((await login.json()) as { accessToken: string }).accessToken;
  const me = await call('GET', '/api/v1/me');
  orgId = (me.body.memberships as Array<{ orgId: string }>)[0]?.orgId ?? '';
  const created = await call('POST', `/api/v1/orgs/${orgId}/resources`, {
    name: 'private app',
    kind: 'http',
    host: HOST,
    targets: [{ url: upstream.url }],
  });
  expect(created.status).toBe(201);
  // The route arrives with the next snapshot: 404 until then.
  await within(10_000, async () => (await gw('/', BROWSER).catch(() => ({ status: 0 }))).status === 302);
}, 180_000);

afterAll(async () => {
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
  await upstream.close();
  await tmp.remove();
});

describe('the browser flow through a managed gateway', () => {
  it('login page with an opaque intent, one-time code, session cookie, assertion upstream; logout ends it within 1 s', async () => {
    const first = await gw('/dashboard?tab=1', BROWSER);
    expect(first.status).toBe(302);
    const login = new URL(first.headers.location as string);
    expect(`${login.origin}${login.pathname}`).toBe(`${api}/login`);
    const intent = login.searchParams.get('intent') ?? '';
    // Opaque: the URL the browser wanted is not in it.
    expect(intent).toMatch(/^v1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]+$/);
    expect(Buffer.from(intent.split('.')[2] ?? '', 'base64url').toString('latin1')).not.toContain('dashboard');

    // A client that is not a browser gets 401 with a challenge instead.
    const apiClient = await gw('/dashboard', { accept: 'application/json' });
    expect(apiClient.status).toBe(401);
    expect(apiClient.headers['www-authenticate']).toBe('Bearer realm="rustronaut"');
    expect(upstream.received).toHaveLength(0);

    const grant = await call('POST', '/api/v1/auth/access-grant', { intent });
    expect(grant.status).toBe(200);
    const back = new URL(grant.body.redirectUrl as string);
    expect(back.origin).toBe(ORIGIN);
    expect(back.pathname).toBe('/.rustronaut/callback');
    const callback = await gw(back.pathname + back.search, BROWSER);
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe(`${ORIGIN}/dashboard?tab=1`);
    const setCookie = ([] as string[]).concat(callback.headers['set-cookie'] ?? [])[0] ?? '';
    expect(setCookie).toMatch(/^rs_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    // The code is single use.
    expect((await gw(back.pathname + back.search, BROWSER)).status).toBe(400);

    const cookie = setCookie.split(';')[0] ?? '';
    const page = await gw('/dashboard?tab=1', {
      ...BROWSER,
      cookie,
      'x-rustronaut-user': 'admin',
      x_rustronaut_user: 'admin',
    });
    expect(page.status).toBe(200);
    const seen = upstream.received.at(-1);
    expect(seen?.url).toBe('/dashboard?tab=1');
    expect(seen?.headers['x-rustronaut-user']).toBeUndefined();
    expect(seen?.rawHeaders.map((h) => h.toLowerCase())).not.toContain('x_rustronaut_user');
    const jwks = JSON.parse((await gw('/.well-known/rustronaut/jwks.json')).body) as Parameters<
      typeof createLocalJWKSet
    >[0];
    const { payload } = await jwtVerify(seen?.headers['x-rustronaut-assertion'] as string, createLocalJWKSet(jwks), {
      audience: ORIGIN,
    });
    expect(payload).toMatchObject({ email: EMAIL, roles: ['owner'], amr: ['session'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);

    expect((await call('POST', '/api/v1/auth/logout')).status).toBe(204);
    const took = await within(1000, async () => (await gw('/dashboard', { ...BROWSER, cookie })).status === 302);
    expect(took).toBeLessThanOrEqual(1000);
    const again = await gw('/dashboard', { ...BROWSER, cookie });
    expect(new URL(again.headers.location as string).pathname).toBe('/login');
    // The ended session's cookie is cleared on the way.
    expect(String(again.headers['set-cookie'])).toMatch(/^rs_session=; Path=\/; Max-Age=0/);
  }, 60_000);

  it('an API key works as a bearer credential; a garbage or unknown key gets 401', async () => {
    const relogin = await fetch(`${api}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    token = ((await relogin.json()) as { accessToken: string }).accessToken;
    const key = await call('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: 'ci', permissions: ['resource:read'] });
    expect(key.status).toBe(201);
    const secret = key.body.key as string;
    const ok = await within(2000, async () => (await gw('/api', { authorization: `Bearer ${secret}` })).status === 200);
    expect(ok).toBeLessThan(2000);
    expect(upstream.received.at(-1)?.headers['x-rustronaut-assertion']).toBeDefined();
    const unknown = await gw('/api', { authorization: `Bearer rsk_AAAAAAAAAAAA_${'A'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toContain('error="invalid_token"');
    expect((await gw('/api', { authorization: 'Bearer rsk_garbage' })).status).toBe(401);
  }, 30_000);

  it('authenticated but not allowed: a 403 page with the reason, never a redirect (no loop)', async () => {
    const policy = await call('POST', `/api/v1/orgs/${orgId}/policies`, {
      name: 'only-auditors',
      rules: [{ id: 'auditors', effect: 'allow', when: { roles: ['auditor'] } }],
    });
    expect(policy.status).toBe(201);
    const resource = await call('POST', `/api/v1/orgs/${orgId}/resources`, {
      name: 'books',
      kind: 'http',
      host: 'books.e2e.example',
      targets: [{ url: upstream.url }],
      policyId: policy.body.id,
    });
    expect(resource.status).toBe(201);
    await within(5000, async () => (await gw('/', BROWSER, 'books.e2e.example')).status === 302);
    const first = await gw('/', BROWSER, 'books.e2e.example');
    const intent = new URL(first.headers.location as string).searchParams.get('intent');
    const grant = await call('POST', '/api/v1/auth/access-grant', { intent });
    const back = new URL(grant.body.redirectUrl as string);
    const callback = await gw(back.pathname + back.search, BROWSER, 'books.e2e.example');
    const cookie = (([] as string[]).concat(callback.headers['set-cookie'] ?? [])[0] ?? '').split(';')[0] ?? '';
    const denied = await gw('/', { ...BROWSER, cookie }, 'books.e2e.example');
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toContain('text/html');
    expect(denied.body).toContain('ERR_GW_ACCESS_DENIED');
    expect(denied.body).toContain('no_matching_allow');
    expect(denied.headers.location).toBeUndefined();
  }, 30_000);

  it('a role change and a suspension reach the gateway within 1 s', async () => {
    const policy = await call('POST', `/api/v1/orgs/${orgId}/policies`, {
      name: 'operators',
      rules: [{ id: 'operators', effect: 'allow', when: { roles: ['operator'] } }],
    });
    const opsHost = 'ops.e2e.example';
    const resource = await call('POST', `/api/v1/orgs/${orgId}/resources`, {
      name: 'ops',
      kind: 'http',
      host: opsHost,
      targets: [{ url: upstream.url }],
      policyId: policy.body.id,
    });
    expect(resource.status).toBe(201);
    const member = await call('POST', `/api/v1/orgs/${orgId}/members`, {
      email: 'operator@example.com',
      roles: ['operator'],
      password: 'the operator passphrase',
    });
    expect(member.status).toBe(201);
    const memberLogin = await fetch(`${api}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'operator@example.com', password: 'the operator passphrase' }),
    });
    const memberToken = ((await memberLogin.json()) as { accessToken: string }).accessToken;
    await within(5000, async () => (await gw('/', BROWSER, opsHost)).status === 302);
    const cookieFor = async (host: string) => {
      const intent = new URL((await gw('/', BROWSER, host)).headers.location as string).searchParams.get('intent');
      const grant = await call('POST', '/api/v1/auth/access-grant', { intent }, memberToken);
      expect(grant.status).toBe(200);
      const back = new URL(grant.body.redirectUrl as string);
      const callback = await gw(back.pathname + back.search, BROWSER, host);
      return (([] as string[]).concat(callback.headers['set-cookie'] ?? [])[0] ?? '').split(';')[0] ?? '';
    };
    const opsCookie = await cookieFor(opsHost);
    const appCookie = await cookieFor(HOST);
    expect((await gw('/', { ...BROWSER, cookie: opsCookie }, opsHost)).status).toBe(200);
    expect((await gw('/', { ...BROWSER, cookie: appCookie })).status).toBe(200);

    // Operator -> viewer: the policy no longer allows them, the other resource still does.
    const userId = member.body.userId as string;
    expect((await call('PATCH', `/api/v1/orgs/${orgId}/members/${userId}`, { roles: ['viewer'] })).status).toBe(200);
    expect(
      await within(1000, async () => (await gw('/', { ...BROWSER, cookie: opsCookie }, opsHost)).status === 403),
    ).toBeLessThanOrEqual(1000);
    expect((await gw('/', { ...BROWSER, cookie: appCookie })).status).toBe(200);

    // Suspended: nothing of the org is reachable, and signing in again does not help.
    expect((await call('PATCH', `/api/v1/orgs/${orgId}/members/${userId}`, { disabled: true })).status).toBe(200);
    expect(
      await within(1000, async () => (await gw('/', { ...BROWSER, cookie: appCookie })).status !== 200),
    ).toBeLessThanOrEqual(1000);
    const intent = new URL((await gw('/', BROWSER)).headers.location as string).searchParams.get('intent');
    const refused = await call('POST', '/api/v1/auth/access-grant', { intent }, memberToken);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ERR_ACCESS_NOT_MEMBER');
  }, 30_000);

  it('refuses forged intents and codes, and every decision reaches the audit log', async () => {
    const forged = await call('POST', '/api/v1/auth/access-grant', {
      intent: `v1.${orgId}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    });
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('ERR_ACCESS_INTENT_INVALID');
    expect((await call('POST', '/api/v1/auth/access-grant', { intent: 'https://evil.example/' })).status).toBe(400);
    expect((await gw(`/.rustronaut/callback?code=rac_${'A'.repeat(43)}`, BROWSER)).status).toBe(400);
    expect((await gw('/.rustronaut/callback?code=../../evil', BROWSER)).status).toBe(400);
    // Decisions reach the audit log in batches (at most one a second), so wait for the one looked for.
    const allowedByRule = (item: { data?: Record<string, unknown> }) =>
      item.data?.reason === 'allowed_by_rule' && item.data.host === HOST && item.data.status === 200;
    await within(5000, async () => {
      const denied = await call('GET', `/api/v1/orgs/${orgId}/audit?action=access.denied&limit=100`);
      const allowed = await call('GET', `/api/v1/orgs/${orgId}/audit?action=access.allowed&limit=100`);
      return (
        (denied.body.items as unknown[]).length > 0 &&
        (allowed.body.items as { data?: Record<string, unknown> }[]).some(allowedByRule)
      );
    });
  }, 30_000);
});

// The same flow in a real Chromium (Debian's `chromium`, driven by playwright-core): the console's login page
// takes the gateway's intent, and the browser ends on the resource with its cookie. Resource hosts resolve to
// 127.0.0.1 through Chromium's host resolver rules.
const haveChromium = requireChromium('the identity browser test');

describe.skipIf(!haveChromium)('the browser flow in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(['--host-resolver-rules=MAP *.e2e.example 127.0.0.1']);
  });
  afterAll(() => browser?.close());

  it('signs in on the console login page and lands on the resource; signing out there sends it back to login', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const app = `http://${HOST}:${String(gatewayPort)}`;
    await page.goto(`${app}/from-chromium?x=1`);
    await page.waitForURL(`${api}/login?intent=**`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${app}/from-chromium?x=1`);
    // The browser asks for more than the page (a favicon, say): look the page's request up, not the last one.
    const seen = upstream.received.find((r) => r.url === '/from-chromium?x=1');
    expect(seen?.headers['x-rustronaut-assertion']).toBeDefined();
    const cookies = await page.context().cookies(app);
    expect(cookies).toContainEqual(
      expect.objectContaining({ name: 'rs_session', httpOnly: true, sameSite: 'Lax', domain: HOST }),
    );

    // Signing out of the console ends the session; the gateway sends the next visit to sign in again.
    // Sign-out ends with a full navigation to exactly /login; a refresh that meets the ended session may first
    // send the console to /login?next=..., so wait for the final page, not the first URL that matches.
    await page.goto(`${api}/`);
    await Promise.all([
      page.waitForURL(`${api}/login`, { waitUntil: 'load' }),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    // A fresh tab of the same browser (same cookies): nothing the console page still does can interrupt it.
    const tab = await context.newPage();
    await within(2000, async () => {
      await tab.goto(`${app}/again`);
      return tab.url().startsWith(`${api}/login?intent=`);
    });
    await context.close();
  }, 90_000);
});
