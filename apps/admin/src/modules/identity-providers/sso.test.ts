// Single sign-on against real OpenID providers started here: `oidc-provider` (the certified Node.js OP) for the
// whole code flow with PKCE, state and nonce, role mapping and provisioning; and a minimal provider of our own
// whose token endpoint answers forged, expired and wrong-audience ID tokens, which must all be refused.
import { freePorts } from '@rustronaut/testkit';
import { identityProviders, memberships, users } from '@rustronaut/db';
import { and, eq } from 'drizzle-orm';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';
import { sealTestIntent } from '../../../test/intent.js';

const CLIENT_SECRET = 'a-client-secret-for-the-test-provider';
const ACCOUNTS: Record<string, { email: string; groups: string[]; verified: boolean }> = {
  ada: { email: 'ada@corp.example', groups: ['ops', 'staff'], verified: true },
  bob: { email: 'bob@corp.example', groups: ['staff'], verified: true },
  eve: { email: 'eve@corp.example', groups: [], verified: false },
};

/** A browser's cookies, by name (the flow is sequential, so paths do not matter here). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** One browser step: GET or POST without following redirects, cookies kept. */
async function step(jar: Jar, url: string, form?: Record<string, string>, accept = 'text/html'): Promise<Response> {
  const res = await fetch(url, {
    method: form === undefined ? 'GET' : 'POST',
    redirect: 'manual',
    headers: {
      cookie: jar.header(),
      accept,
      ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    body: form === undefined ? undefined : new URLSearchParams(form).toString(),
  });
  jar.take(res);
  return res;
}

describe.each(testDrivers())('[$name] single sign-on with OpenID Connect', (driver) => {
  let t: TestAdmin;
  let owner: string;
  let op: Server;
  let issuer: string;
  let providerId: string;

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    owner = await t.login(t.owner.email, t.owner.password);
    const [port] = await freePorts(1);
    issuer = `http://127.0.0.1:${String(port)}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'rustronaut',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${t.url}/api/v1/auth/sso/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'], profile: ['name'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      findAccount: (_ctx, sub) => {
        const account = ACCOUNTS[sub];
        if (account === undefined) return undefined;
        return {
          accountId: sub,
          claims: () => ({ sub, email: account.email, email_verified: account.verified, groups: account.groups }),
        };
      },
      cookies: { keys: ['test cookie key'] },
    });
    op = createServer(provider.callback());
    await new Promise<void>((resolve) => op.listen(port, '127.0.0.1', resolve));
    const created = await t.created(`/api/v1/orgs/${t.owner.orgId}/identity-providers`, {
      token: owner,
      body: {
        name: 'Corp IdP',
        issuer,
        clientId: 'rustronaut',
        clientSecret: CLIENT_SECRET,
        scopes: 'openid email profile groups',
        rolesClaim: 'groups',
        roleMapping: { ops: 'operator' },
        defaultRoles: ['viewer'],
      },
    });
    providerId = created.id;
  }, 120_000);
  afterAll(async () => {
    op.closeAllConnections();
    await new Promise((resolve) => op.close(resolve));
    await t.close();
  });

  /** Signs `login` in at the provider, answering its login and consent pages; returns the callback's answer. */
  async function signInAs(login: string, intent?: string, accept?: string): Promise<{ res: Response; jar: Jar }> {
    const jar = new Jar();
    const query = intent === undefined ? '' : `?intent=${encodeURIComponent(intent)}`;
    let res = await step(jar, `${t.url}/api/v1/auth/sso/${providerId}/start${query}`);
    expect(res.status).toBe(302);
    const authorize = new URL(res.headers.get('location') ?? '');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    let url = authorize.href;
    for (let i = 0; i < 12; i++) {
      res = await step(jar, url);
      const location = res.headers.get('location');
      if (res.status === 200) {
        // A login or consent page of the provider's development interactions.
        const html = await res.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
        // The development interactions post `prompt=login` (with the account) or `prompt=consent` back to the page.
        const form: Record<string, string> = html.includes('name="login"')
          ? { prompt: 'login', login, password: 'any' }
          : { prompt: 'consent' };
        res = await step(jar, new URL(action, issuer).href, form);
        url = new URL(res.headers.get('location') ?? '', issuer).href;
        continue;
      }
      if (location === null) break;
      url = new URL(location, url).href;
      if (url.startsWith(`${t.url}/api/v1/auth/sso/callback`)) {
        return { res: await step(jar, url, undefined, accept), jar };
      }
    }
    throw new Error(`the provider did not send the browser back (last status ${String(res.status)})`);
  }

  it('signs a new user in: provisioned with the mapped role, a session with method sso, console cookies', async () => {
    const { res, jar } = await signInAs('ada');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    expect(jar.get('rs_access')).toBeTruthy();
    const me = await t.request('GET', '/api/v1/me', { headers: { cookie: `rs_access=${jar.get('rs_access') ?? ''}` } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: 'ada@corp.example' } });
    const [user] = await t.ctx.db.select().from(users).where(eq(users.email, 'ada@corp.example'));
    const [member] = await t.ctx.db
      .select()
      .from(memberships)
      .where(and(eq(memberships.orgId, t.owner.orgId), eq(memberships.userId, user?.id ?? '')));
    expect(member?.roles).toEqual(['operator']);
    // The provisioned account has no usable password.
    const login = await t.request('POST', '/api/v1/auth/login', {
      body: { email: 'ada@corp.example', password: 'any' },
    });
    expect(login.status).toBe(401);
  }, 60_000);

  it('carries a gateway intent through the provider and on to the resource callback with a one-time code', async () => {
    const resource = await t.created(`/api/v1/orgs/${t.owner.orgId}/resources`, {
      token: owner,
      body: { name: 'sso app', kind: 'http', host: 'sso-app.example', targets: [{ url: 'http://10.0.0.9:80' }] },
    });
    const intent = await sealTestIntent(t.ctx, t.owner.orgId, {
      resourceId: resource.id,
      origin: 'http://sso-app.example',
      path: '/after?x=1',
    });
    const { res } = await signInAs('ada', intent);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(
      /^http:\/\/sso-app\.example\/\.rustronaut\/callback\?code=rac_[\w-]{43}$/,
    );
    // An intent of another org is refused before the browser leaves for the provider.
    const other = await t.request('GET', `/api/v1/auth/sso/${providerId}/start?intent=v1.${randomUUID()}.AAAA`);
    expect(other.status).toBe(400);
  }, 60_000);

  it('issues codes only for the exact host of the resource (no suffix match, no other port scheme tricks)', async () => {
    const resource = await t.created(`/api/v1/orgs/${t.owner.orgId}/resources`, {
      token: owner,
      body: { name: 'apex', kind: 'http', host: 'example.com', targets: [{ url: 'http://10.0.0.9:80' }] },
    });
    const grant = async (origin: string) =>
      t.request('POST', '/api/v1/auth/access-grant', {
        token: owner,
        body: { intent: await sealTestIntent(t.ctx, t.owner.orgId, { resourceId: resource.id, origin, path: '/' }) },
      });
    for (const origin of [
      'http://evilexample.com',
      'http://evil.example.com',
      'http://example.com.evil.net',
      'http://app@example.com',
      'http://example.com/path',
    ]) {
      const res = await grant(origin);
      expect(res.status, origin).toBe(400);
      expect(res.body).toMatchObject({ code: 'ERR_ACCESS_INTENT_INVALID' });
    }
    const ok = await grant('https://example.com:8443');
    expect(ok.status).toBe(200);
    expect(new URL(ok.body['redirectUrl'] as string).origin).toBe('https://example.com:8443');
  });

  it('maps unmapped groups to the default roles, and follows a later change of the claim', async () => {
    const account = ACCOUNTS['bob'];
    if (account === undefined) throw new Error('no test account bob');
    account.groups = ['staff'];
    const { res } = await signInAs('bob');
    expect(res.status).toBe(302);
    const [user] = await t.ctx.db.select().from(users).where(eq(users.email, 'bob@corp.example'));
    const roles = async () =>
      (
        await t.ctx.db
          .select({ roles: memberships.roles })
          .from(memberships)
          .where(and(eq(memberships.orgId, t.owner.orgId), eq(memberships.userId, user?.id ?? '')))
      )[0]?.roles;
    expect(await roles()).toEqual(['viewer']);
    account.groups = ['ops'];
    const before = await t.configVersion(t.owner.orgId);
    await signInAs('bob');
    expect(await roles()).toEqual(['operator']);
    expect(await t.configVersion(t.owner.orgId)).toBe(before + 1);
  }, 60_000);

  it('refuses an unverified email, a missing or forged state cookie, and a provider error', async () => {
    const { res } = await signInAs('eve', undefined, 'application/json');
    expect(res.status).toBe(401);
    expect((await res.json()) as Record<string, unknown>).toMatchObject({
      code: 'ERR_AUTH_SSO_FAILED',
      detail: expect.stringContaining('verified email'),
    });
    const noState = await t.request('GET', '/api/v1/auth/sso/callback?code=x&state=y');
    expect(noState.status).toBe(401);
    const forged = await t.request('GET', '/api/v1/auth/sso/callback?code=x&state=y', {
      headers: { cookie: 'rs_sso=v1.AAAA.BBBB' },
    });
    expect(forged.status).toBe(401);
    const jar = new Jar();
    await step(jar, `${t.url}/api/v1/auth/sso/${providerId}/start`);
    const denied = await step(jar, `${t.url}/api/v1/auth/sso/callback?error=access_denied&state=x`, undefined, '*/*');
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { detail: string }).detail).toContain('access_denied');
    const unknown = await t.request('GET', `/api/v1/auth/sso/${randomUUID()}/start`);
    expect(unknown.status).toBe(404);
  }, 60_000);

  it('lists the sign-in buttons of an org and hides the client secret; refuses garbage providers', async () => {
    const buttons = await t.request('GET', `/api/v1/auth/sso/providers?orgId=${t.owner.orgId}`);
    expect(buttons.body).toEqual({
      items: [{ id: providerId, name: 'Corp IdP', startUrl: `/api/v1/auth/sso/${providerId}/start` }],
    });
    const list = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/identity-providers`, { token: owner });
    expect(JSON.stringify(list.body)).not.toContain(CLIENT_SECRET);
    expect(list.body).toMatchObject({ items: [{ redirectUri: `${t.url}/api/v1/auth/sso/callback` }] });
    const [row] = await t.ctx.db.select().from(identityProviders).where(eq(identityProviders.id, providerId));
    expect(row?.clientSecretEnc).not.toContain(CLIENT_SECRET);
    for (const body of [
      { name: 'x', issuer: 'http://idp.example.com', clientId: 'a', clientSecret: 'b' },
      { name: 'x', issuer: 'ftp://idp.example.com', clientId: 'a', clientSecret: 'b' },
      { name: 'x', issuer: 'https://idp.example.com', clientId: 'a', clientSecret: 'b', scopes: 'email' },
      {
        name: 'x',
        issuer: 'https://idp.example.com',
        clientId: 'a',
        clientSecret: 'b',
        roleMapping: { a: 'no such!' },
      },
    ]) {
      const res = await t.request('POST', `/api/v1/orgs/${t.owner.orgId}/identity-providers`, { token: owner, body });
      expect(res.status).toBe(400);
    }
  });
});

describe.each(testDrivers())('[$name] ID tokens that must be refused', (driver) => {
  let t: TestAdmin;
  let owner: string;
  let fake: Server;
  let issuer: string;
  let providerId: string;
  const good = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  /** What the token endpoint puts in the ID token next: claims and the key it signs with. */
  let next: { claims: Record<string, unknown>; key: KeyObject } = { claims: {}, key: good.privateKey };
  let lastNonce = '';

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const idToken = () => {
    const input = `${b64({ alg: 'EdDSA', kid: 'k1', typ: 'JWT' })}.${b64(next.claims)}`;
    return `${input}.${sign(null, Buffer.from(input), next.key).toString('base64url')}`;
  };

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    owner = await t.login(t.owner.email, t.owner.password);
    const [port] = await freePorts(1);
    issuer = `http://127.0.0.1:${String(port)}`;
    // The smallest provider: discovery, JWKS, and a token endpoint that answers whatever `next` says.
    fake = createServer((req, res) => {
      const json = (value: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/.well-known/openid-configuration') {
        json({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['EdDSA'],
        });
      } else if (req.url === '/jwks') {
        json({ keys: [{ ...good.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' }] });
      } else if (req.url === '/token') {
        req.resume();
        req.on('end', () => json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: idToken() }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => fake.listen(port, '127.0.0.1', resolve));
    providerId = (
      await t.created(`/api/v1/orgs/${t.owner.orgId}/identity-providers`, {
        token: owner,
        body: { name: 'Fake IdP', issuer, clientId: 'rustronaut', clientSecret: 'x' },
      })
    ).id;
  }, 120_000);
  afterAll(async () => {
    fake.closeAllConnections();
    await new Promise((resolve) => fake.close(resolve));
    await t.close();
  });

  /** Starts a sign-in, then comes back with a code and whatever ID token `claims` describe. */
  async function comeBackWith(
    claims: (nonce: string) => Record<string, unknown>,
    key = good.privateKey,
    accept = 'application/json',
  ) {
    const jar = new Jar();
    const start = await step(jar, `${t.url}/api/v1/auth/sso/${providerId}/start`);
    const authorize = new URL(start.headers.get('location') ?? '');
    lastNonce = authorize.searchParams.get('nonce') ?? '';
    next = { claims: claims(lastNonce), key };
    const state = authorize.searchParams.get('state') ?? '';
    const back = `${t.url}/api/v1/auth/sso/callback?code=abc&state=${state}&iss=${encodeURIComponent(issuer)}`;
    return step(jar, back, undefined, accept);
  }
  const now = () => Math.floor(Date.now() / 1000);
  const valid = (nonce: string) => ({
    iss: issuer,
    sub: 'u1',
    aud: 'rustronaut',
    exp: now() + 300,
    iat: now(),
    nonce,
    email: 'fake-user@corp.example',
    email_verified: true,
  });

  it('accepts a well-formed ID token (the control case)', async () => {
    const res = await comeBackWith(valid);
    expect(res.status).toBe(302);
  });

  it.each([
    ['forged (signed with another key)', (n: string) => valid(n), other.privateKey],
    ['expired', (n: string) => ({ ...valid(n), exp: now() - 600, iat: now() - 900 }), good.privateKey],
    ['for another client (wrong audience)', (n: string) => ({ ...valid(n), aud: 'someone-else' }), good.privateKey],
    ['from another issuer', (n: string) => ({ ...valid(n), iss: 'https://evil.example' }), good.privateKey],
    ['with a replayed nonce', (n: string) => ({ ...valid(n), nonce: `${n}x` }), good.privateKey],
  ])('refuses an ID token %s', async (_, claims, key) => {
    const res = await comeBackWith(claims, key);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_AUTH_SSO_FAILED');
  });

  it('sends a browser back to the login page with the error code, not to a page of JSON', async () => {
    const res = await comeBackWith((n) => valid(n), other.privateKey, 'text/html,application/xhtml+xml');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?error=ERR_AUTH_SSO_FAILED');
    const lateJar = new Jar();
    const late = await step(lateJar, `${t.url}/api/v1/auth/sso/callback?error=access_denied&state=x`);
    // Nothing the provider sent (`access_denied` here) reaches the page: the code only.
    expect(late.headers.get('location')).toBe('/login?error=ERR_AUTH_SSO_FAILED');
  });

  it('refuses a callback whose state does not match the one it started with', async () => {
    const jar = new Jar();
    await step(jar, `${t.url}/api/v1/auth/sso/${providerId}/start`);
    next = { claims: valid(lastNonce), key: good.privateKey };
    const res = await step(jar, `${t.url}/api/v1/auth/sso/callback?code=abc&state=not-the-state`, undefined, '*/*');
    expect(res.status).toBe(401);
  });
});
