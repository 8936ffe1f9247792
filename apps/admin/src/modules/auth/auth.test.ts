import { auditEvents, sessions, signingKeys, users } from '@rustronaut/db';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, startTestAdmin, testDrivers, TEST_PASSWORD, type TestAdmin } from '../../../test/harness.js';
import { totpCode } from '../../auth/totp.js';

const loginBody = (email: string, password = TEST_PASSWORD, totp?: string) => ({
  body: { email, password, ...(totp === undefined ? {} : { totp }) },
});

describe.each(testDrivers())('[$name] authentication', (driver) => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin(driver, { RUSTRONAUT_AUTH_LOCKOUT_THRESHOLD: '10' });
  });
  afterAll(() => t.close());

  it('signs in with email and password: an EdDSA access token for 15 minutes, a refresh token and cookies', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', loginBody('Owner@Example.com'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(res.body.refreshToken).toMatch(/^rrt_/);
    expect(decodeProtectedHeader(res.body.accessToken as string)).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    const claims = decodeJwt(res.body.accessToken as string);
    expect(claims).toMatchObject({
      sub: t.owner.userId,
      sid: res.body.sessionId,
      iss: 'rustronaut',
      aud: 'rustronaut:admin',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    const cookies = res.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('rs_access='))).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookies.find((c) => c.startsWith('rs_refresh='))).toMatch(/Path=\/api\/v1\/auth; HttpOnly; SameSite=Strict/);

    const me = await t.request('GET', '/api/v1/me', { token: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: t.owner.userId, email: 'owner@example.com', totpEnabled: false });
    expect(me.body.user).not.toHaveProperty('passwordHash');
    expect(me.body.memberships).toEqual([{ orgId: t.owner.orgId, orgName: 'Default', roles: ['owner'] }]);
    const [event] = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.targetId, res.body.sessionId as string));
    expect(event).toMatchObject({ action: 'auth.login', actorId: t.owner.userId });
  });

  it('refuses a wrong password and an unknown email with the same answer, and audits both', async () => {
    const wrong = await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email, 'not the password'));
    const unknown = await t.request('POST', '/api/v1/auth/login', loginBody('nobody@example.com'));
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      problemOf(res);
      expect(res.body).toMatchObject({
        code: 'ERR_AUTH_INVALID_CREDENTIALS',
        detail: 'the email, password or code is not correct',
      });
    }
    const failed = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.login.failed'));
    expect(failed.map((e) => e.data)).toEqual(
      expect.arrayContaining([
        { email: 'owner@example.com', reason: 'bad_password' },
        { email: 'nobody@example.com', reason: 'unknown_email' },
      ]),
    );
    expect(JSON.stringify(failed)).not.toContain('not the password');
    t.advance(60_000);
  });

  it("shows me my own account events, newest first, and nobody else's", async () => {
    const email = 'history@example.com';
    const id = await t.createUser(email);
    await t.request('POST', '/api/v1/auth/login', loginBody(email, 'wrong password'));
    t.advance(1000);
    const token = await t.login(email, TEST_PASSWORD);
    const page = await t.request('GET', '/api/v1/me/audit?limit=1', { token });
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([expect.objectContaining({ action: 'auth.login', actor: { type: 'user', id } })]);
    const rest = await t.request('GET', `/api/v1/me/audit?cursor=${page.body.nextCursor as string}`, { token });
    expect(rest.body.items).toEqual([
      expect.objectContaining({ action: 'auth.login.failed', actor: { type: 'user', id } }),
    ]);
    expect(rest.body.nextCursor).toBeNull();
    expect((await t.request('GET', '/api/v1/me/audit')).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me/audit?limit=0', { token })).status).toBe(400);
    t.advance(60_000);
  });

  it('answers 401 to requests without credentials, with broken ones, and with a tampered token', async () => {
    expect((await t.request('GET', '/api/v1/me')).body.code).toBe('ERR_UNAUTHENTICATED');
    for (const authorization of ['Basic abc', 'Bearer', 'Bearer not.a.jwt', 'Bearer rsk_short']) {
      const res = await t.request('GET', '/api/v1/me', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
    }
    const token = await t.login(t.owner.email, t.owner.password);
    const [head, payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: '00000000-0000-7000-8000-000000000000' }));
    for (const bad of [
      `${head}.${forged.toString('base64url')}.${signature}`,
      `${head}.${payload}.${'A'.repeat(86)}`,
    ]) {
      expect((await t.request('GET', '/api/v1/me', { token: bad })).status).toBe(401);
    }
    t.advance(16 * 60_000);
    expect((await t.request('GET', '/api/v1/me', { token })).body.code).toBe('ERR_UNAUTHENTICATED');
  });

  it('rotates refresh tokens, and reusing a spent one revokes the whole session', async () => {
    const first = (await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email))).body;
    const second = await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.body.sessionId).toBe(first.sessionId);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const third = await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: second.body.refreshToken } });
    expect(third.status).toBe(200);

    // The spent first token comes back: someone holds a copy.
    const reuse = await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('ERR_AUTH_REFRESH_INVALID');
    // The whole family is dead: the newest refresh token and the access tokens too.
    expect(
      (await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: third.body.refreshToken } })).status,
    ).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { token: third.body.accessToken })).status).toBe(401);
    const [row] = await t.ctx.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, first.sessionId as string));
    expect(row).toMatchObject({ revokedReason: 'refresh_reuse' });
    const events = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.refresh.reuse'));
    expect(events.map((e) => e.targetId)).toContain(first.sessionId);
  });

  it('refreshes from the cookie, and refuses missing and unknown refresh tokens', async () => {
    const login = await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email));
    const refreshCookie =
      login.headers
        .getSetCookie()
        .find((c) => c.startsWith('rs_refresh='))
        ?.split(';')[0] ?? '';
    const viaCookie = await t.request('POST', '/api/v1/auth/refresh', { headers: { cookie: refreshCookie } });
    expect(viaCookie.status).toBe(200);
    for (const body of [undefined, {}, { refreshToken: 'rrt_unknown' }]) {
      const res = await t.request('POST', '/api/v1/auth/refresh', body === undefined ? {} : { body });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_AUTH_REFRESH_INVALID');
    }
    expect((await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: 5 } })).status).toBe(400);
  });

  it('accepts the console cookie for reads and for same-origin changes only (CSRF)', async () => {
    const login = await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email));
    const cookie =
      login.headers
        .getSetCookie()
        .find((c) => c.startsWith('rs_access='))
        ?.split(';')[0] ?? '';
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
    const body = { name: 'Cookie Org', slug: 'cookie-org' };
    const crossSite = await t.request('POST', '/api/v1/orgs', {
      body,
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.code).toBe('ERR_CSRF_REJECTED');
    expect((await t.request('POST', '/api/v1/orgs', { body, headers: { cookie } })).status).toBe(403);
    const sameOrigin = await t.request('POST', '/api/v1/orgs', { body, headers: { cookie, origin: t.url } });
    expect(sameOrigin.status).toBe(201);
  });

  it('ignores and clears a stale console cookie, so the browser can sign in again', async () => {
    const login = await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email));
    const cookie =
      login.headers
        .getSetCookie()
        .find((c) => c.startsWith('rs_access='))
        ?.split(';')[0] ?? '';
    expect((await t.request('POST', '/api/v1/auth/logout', { token: login.body.accessToken })).status).toBe(204);
    const me = await t.request('GET', '/api/v1/me', { headers: { cookie } });
    expect(me.status).toBe(401);
    expect(me.headers.getSetCookie().find((c) => c.startsWith('rs_access='))).toMatch(
      /^rs_access=;.*Expires=Thu, 01 Jan 1970/,
    );
    const again = await t.request('POST', '/api/v1/auth/login', {
      ...loginBody(t.owner.email),
      headers: { cookie, origin: t.url },
    });
    expect(again.status).toBe(200);
  });

  it('signs out one session, then every session', async () => {
    const a = (await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email))).body;
    const b = (await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email))).body;
    expect((await t.request('POST', '/api/v1/auth/logout', { token: a.accessToken })).status).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { token: a.accessToken })).status).toBe(401);
    expect((await t.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: a.refreshToken } })).status).toBe(
      401,
    );
    expect((await t.request('GET', '/api/v1/me', { token: b.accessToken })).status).toBe(200);

    const c = (await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email))).body;
    expect((await t.request('POST', '/api/v1/auth/logout-all', { token: c.accessToken })).status).toBe(204);
    for (const token of [b.accessToken, c.accessToken]) {
      expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(401);
    }
    expect((await t.request('POST', '/api/v1/auth/logout')).status).toBe(401);
  });

  it('lists my sessions newest first with pages, and revokes one of them', async () => {
    const token = await t.login(t.owner.email, t.owner.password);
    const other = (await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email))).body;
    const page = await t.request('GET', '/api/v1/me/sessions?limit=1', { token });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0]).toMatchObject({ id: other.sessionId, current: false, authMethod: 'password' });
    const next = await t.request('GET', `/api/v1/me/sessions?limit=1&cursor=${page.body.nextCursor as string}`, {
      token,
    });
    expect(next.body.items[0].current).toBe(true);
    expect((await t.request('GET', '/api/v1/me/sessions?cursor=zzz', { token })).status).toBe(400);

    expect((await t.request('DELETE', `/api/v1/me/sessions/${other.sessionId as string}`, { token })).status).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { token: other.accessToken })).status).toBe(401);
    expect((await t.request('DELETE', `/api/v1/me/sessions/${other.sessionId as string}`, { token })).status).toBe(204);
    const stranger = await t.createUser('stranger@example.com');
    const strangers = (await t.request('POST', '/api/v1/auth/login', loginBody('stranger@example.com'))).body;
    expect(stranger).toBeDefined();
    const notMine = await t.request('DELETE', `/api/v1/me/sessions/${strangers.sessionId as string}`, { token });
    expect(notMine.status).toBe(404);
    expect((await t.request('GET', '/api/v1/me', { token: strangers.accessToken })).status).toBe(200);
    expect((await t.request('DELETE', '/api/v1/me/sessions/nope', { token })).status).toBe(400);
  });

  it('changes the password: the old one stops working and other sessions end', async () => {
    const email = 'changer@example.com';
    const { token } = await t.newUser(email);
    const other = await t.login(email, TEST_PASSWORD);
    const wrong = await t.request('PATCH', '/api/v1/me', {
      token,
      body: { currentPassword: 'wrong password', newPassword: 'a brand new passphrase' },
    });
    expect(wrong.status).toBe(400);
    const short = await t.request('PATCH', '/api/v1/me', {
      token,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'short' },
    });
    expect(short.status).toBe(400);
    const ok = await t.request('PATCH', '/api/v1/me', {
      token,
      body: { name: 'Changer', currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe('Changer');
    expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token: other })).status).toBe(401);
    expect((await t.request('POST', '/api/v1/auth/login', loginBody(email))).status).toBe(401);
    expect((await t.request('POST', '/api/v1/auth/login', loginBody(email, 'a brand new passphrase'))).status).toBe(
      200,
    );
  });

  it('refuses a disabled account', async () => {
    const email = 'disabled@example.com';
    const { userId: id, token } = await t.newUser(email);
    await t.ctx.db.update(users).set({ disabled: true }).where(eq(users.id, id));
    expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(401);
    const res = await t.request('POST', '/api/v1/auth/login', loginBody(email));
    expect(res.body.code).toBe('ERR_AUTH_INVALID_CREDENTIALS');
  });

  it('turns a TOTP second factor on and off, requires it at sign-in and refuses a replayed code', async () => {
    const email = 'totp@example.com';
    const { userId: id, token } = await t.newUser(email);
    const enrol = await t.request('POST', '/api/v1/me/totp', { token });
    expect(enrol.status).toBe(200);
    expect(enrol.body.uri).toMatch(/^otpauth:\/\/totp\/Rustronaut:totp%40example\.com\?/);
    const secret = enrol.body.secret as string;
    const [stored] = await t.ctx.db.select().from(users).where(eq(users.id, id));
    expect(stored?.totpSecretEnc).toMatch(/^v1\./);
    expect(stored?.totpSecretEnc).not.toContain(secret);

    expect((await t.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: '000000' } })).status).toBe(400);
    expect((await t.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: 'abc' } })).status).toBe(400);
    const confirm = await t.request('POST', '/api/v1/me/totp/confirm', {
      token,
      body: { code: totpCode(secret, t.ctx.now()) },
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body.totpEnabled).toBe(true);
    expect((await t.request('POST', '/api/v1/me/totp', { token })).status).toBe(409);

    const needsCode = await t.request('POST', '/api/v1/auth/login', loginBody(email));
    expect(needsCode.status).toBe(401);
    expect(needsCode.body.code).toBe('ERR_AUTH_TOTP_REQUIRED');
    t.advance(30_000);
    const code = totpCode(secret, t.ctx.now());
    const ok = await t.request('POST', '/api/v1/auth/login', loginBody(email, TEST_PASSWORD, code));
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.accessToken as string).amr).toEqual(['password', 'otp']);
    const replay = await t.request('POST', '/api/v1/auth/login', loginBody(email, TEST_PASSWORD, code));
    expect(replay.body.code).toBe('ERR_AUTH_INVALID_CREDENTIALS');

    t.advance(30_000);
    const off = await t.request('POST', '/api/v1/me/totp/disable', {
      token,
      body: { code: totpCode(secret, t.ctx.now()) },
    });
    expect(off.status).toBe(200);
    expect(off.body.totpEnabled).toBe(false);
    expect((await t.request('POST', '/api/v1/auth/login', loginBody(email))).status).toBe(200);
    t.advance(60_000);
  });

  it('publishes its signing keys as a JWKS and keeps a rotated-out key published', async () => {
    const before = await t.login(t.owner.email, t.owner.password);
    const jwks = await t.request('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.body.keys[0]).not.toHaveProperty('d');
    await t.ctx.keys.rotate();
    const after = await t.login(t.owner.email, t.owner.password);
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = decodeProtectedHeader(after).kid;
    expect(newKid).not.toBe(oldKid);
    const jwksAfter = (await t.request('GET', '/.well-known/jwks.json')).body as { keys: { kid: string }[] };
    const kids = jwksAfter.keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect((await t.request('GET', '/api/v1/me', { token: before })).status).toBe(200);
    // Private keys are stored sealed under the master key.
    for (const row of await t.ctx.db.select().from(signingKeys)) {
      expect(row.privateKeyEnc).toMatch(/^v1\./);
      expect(row.privateKeyEnc).not.toContain('PRIVATE KEY');
    }
  });
});

describe.each(testDrivers())('[$name] lockout and backoff', (driver) => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin(driver, {
      RUSTRONAUT_AUTH_LOCKOUT_THRESHOLD: '10',
      RUSTRONAUT_AUTH_IP_FAILURE_LIMIT: '25',
    });
  });
  afterAll(() => t.close());

  it('backs off after 3 failures and locks the account after 10 within 15 minutes, then unlocks', async () => {
    const email = 'locked@example.com';
    await t.createUser(email);
    for (let i = 1; i <= 10; i += 1) {
      const res = await t.request('POST', '/api/v1/auth/login', loginBody(email, `wrong ${String(i)}`));
      expect(res.status, `attempt ${String(i)}`).toBe(401);
      if (i >= 3 && i < 10) {
        // Right after a failure the account is in backoff, even with the right password.
        const early = await t.request('POST', '/api/v1/auth/login', loginBody(email));
        expect(early.status).toBe(429);
        expect(early.body.code).toBe('ERR_AUTH_THROTTLED');
        expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      t.advance(31_000);
    }
    const locked = await t.request('POST', '/api/v1/auth/login', loginBody(email));
    expect(locked.status).toBe(423);
    expect(locked.body.code).toBe('ERR_AUTH_LOCKED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const events = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.lockout'));
    expect(events).toHaveLength(1);
    // The window of the oldest failure passes: the account opens again, and a success clears the count.
    t.advance(15 * 60_000);
    expect((await t.request('POST', '/api/v1/auth/login', loginBody(email))).status).toBe(200);
    expect((await t.request('POST', '/api/v1/auth/login', loginBody(email))).status).toBe(200);
  });

  it('locks unknown emails the same way, so lockout does not reveal which accounts exist', async () => {
    for (let i = 0; i < 10; i += 1) {
      await t.request('POST', '/api/v1/auth/login', loginBody('ghost@example.com', 'x'));
      t.advance(31_000);
    }
    expect((await t.request('POST', '/api/v1/auth/login', loginBody('ghost@example.com'))).status).toBe(423);
  });

  it('throttles a source address that fails too often across accounts', async () => {
    t.advance(16 * 60_000);
    for (let i = 0; i < 25; i += 1) {
      await t.request('POST', '/api/v1/auth/login', loginBody(`spray${String(i)}@example.com`, 'x'));
    }
    const res = await t.request('POST', '/api/v1/auth/login', loginBody(t.owner.email));
    expect(res.status).toBe(429);
    expect(res.body.detail).toMatch(/from this address/);
  });

  it('rejects garbage sign-in bodies with 400 before counting anything', async () => {
    for (const body of [
      '{',
      '[]',
      { email: 'not-an-email', password: 'x' },
      { email: 'a@b.co', password: '' },
      { email: 'a@b.co', password: 'x'.repeat(2000) },
      { email: 'a@b.co', password: 'x', extra: 1 },
      { email: 'a@b.co', password: 'x', totp: '12345' },
      { email: ["' OR 1=1 --"], password: 'x' },
    ]) {
      const res = await t.request('POST', '/api/v1/auth/login', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      problemOf(res);
    }
  });
});

describe.each(testDrivers())('[$name] first-run setup link', (driver) => {
  it('creates the owner once with the setup token, which then stops working', async () => {
    const t = await startTestAdmin(driver);
    try {
      // The harness created an owner already; the setup endpoint refuses while any user exists.
      const res = await t.request('POST', '/api/v1/auth/setup', {
        body: { token: 'whatever', email: 'second@example.com', password: 'a long enough password' },
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_AUTH_SETUP_INVALID');
    } finally {
      await t.close();
    }
  });
});
