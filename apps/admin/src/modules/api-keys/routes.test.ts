import { apiKeys, auditEvents } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';
const DAY = 24 * 3600_000;

describe.each(testDrivers())('[$name] API keys API', (driver) => {
  let t: TestAdmin;
  let owner: string;
  let orgId: string;

  const path = (rest = '', org = orgId) => `/api/v1/orgs/${org}/api-keys${rest}`;
  const create = (token: string, body: unknown) => t.request('POST', path(), { token, body });

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    orgId = t.owner.orgId;
    owner = await t.login(t.owner.email, t.owner.password);
  });
  afterAll(() => t.close());

  it('creates a key, shows it once, and never again (list, get, audit, stored row)', async () => {
    const res = await create(owner, { name: 'deploy bot', permissions: ['member:read', 'role:read', 'member:read'] });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const key = res.body.key as string;
    expect(key).toMatch(/^rsk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'deploy bot',
      prefix: key.slice(4, 16),
      permissions: ['member:read', 'role:read'],
      createdBy: t.owner.userId,
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      key,
    });
    // Default lifetime: 90 days.
    expect(Date.parse(res.body.expiresAt as string) - Date.parse(res.body.createdAt as string)).toBe(90 * DAY);

    const secret = key.slice(17);
    const [row] = await t.ctx.db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.id, res.body.id as string));
    if (row === undefined) throw new Error('no row');
    const list = await t.request('GET', path(), { token: owner });
    const got = await t.request('GET', path(`/${row.id}`), { token: owner });
    const view: Record<string, unknown> = { ...res.body };
    delete view.key;
    expect(got.body).toEqual(view);
    expect(list.body.items).toContainEqual(view);
    for (const text of [JSON.stringify(list.body), JSON.stringify(got.body)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(row.secretHash);
    }
    const audit = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, row.id));
    expect(audit.map((event) => event.action)).toEqual(['apikey.create']);
    expect(audit[0]?.data).toEqual({
      name: 'deploy bot',
      permissions: ['member:read', 'role:read'],
      expiresAt: res.body.expiresAt,
    });
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(audit)).not.toContain(row.secretHash);
    // The stored row has the hash, never the key.
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('works as a bearer token within its permissions, and records when it was used', async () => {
    const res = await create(owner, { name: 'reader', permissions: ['member:read'] });
    const key = res.body.key as string;
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: key })).status).toBe(200);
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/roles`, { token: key })).status).toBe(403);
    const got = await t.request('GET', path(`/${String(res.body.id)}`), { token: owner });
    expect(got.body.lastUsedAt).toEqual(expect.any(String));
    // Another org: 404, as for any outsider.
    const other = await t.request('POST', '/api/v1/orgs', {
      token: owner,
      body: { name: 'Other', slug: 'other-keys' },
    });
    expect((await t.request('GET', `/api/v1/orgs/${String(other.body.id)}/members`, { token: key })).status).toBe(404);
  });

  it('is created only by signed-in users, with permissions they hold, expiring within a year', async () => {
    const keyWithCreate = (await create(owner, { name: 'k', permissions: ['apikey:create', 'apikey:read'] })).body
      .key as string;
    const byKey = await create(keyWithCreate, { name: 'child', permissions: ['apikey:read'] });
    expect(byKey.status).toBe(403);
    expect(problemOf(byKey).code).toBe('ERR_FORBIDDEN');

    const admin = await t.newMember(['admin']);
    const escalate = await create(admin.token, { name: 'x', permissions: ['org:delete'] });
    expect(escalate.status).toBe(403);
    expect(problemOf(escalate).detail).toContain('org:delete');
    expect((await create(admin.token, { name: 'x', permissions: ['member:read'] })).status).toBe(201);
    const viewer = await t.newMember(['viewer']);
    expect((await create(viewer.token, { name: 'x', permissions: ['member:read'] })).status).toBe(403);
    expect((await t.request('GET', path(), { token: viewer.token })).status).toBe(200);

    const unknown = await create(owner, { name: 'x', permissions: ['member:read', 'member:nuke'] });
    expect(unknown.status).toBe(400);
    expect(problemOf(unknown)).toMatchObject({ code: 'ERR_POLICY_INVALID', errors: [{ field: 'body.permissions.1' }] });

    const now = t.ctx.now().getTime();
    for (const at of [now - 1000, now + 366 * DAY]) {
      const res = await create(owner, {
        name: 'x',
        permissions: ['member:read'],
        expiresAt: new Date(at).toISOString(),
      });
      expect(res.status).toBe(400);
      expect(problemOf(res).errors).toEqual([expect.objectContaining({ field: 'body.expiresAt' })]);
    }
    const inAYear = new Date(now + 365 * DAY - 60_000).toISOString();
    const ok = await create(owner, { name: 'x', permissions: ['member:read'], expiresAt: inAYear });
    expect(ok.status).toBe(201);
    expect(ok.body.expiresAt).toBe(inAYear);
  });

  it('stops working once expired', async () => {
    const expiresAt = new Date(t.ctx.now().getTime() + 3600_000).toISOString();
    const res = await create(owner, { name: 'short', permissions: ['member:read'], expiresAt });
    const key = res.body.key as string;
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: key })).status).toBe(200);
    t.advance(2 * 3600_000);
    const after = await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: key });
    expect(after.status).toBe(401);
    expect(problemOf(after).code).toBe('ERR_UNAUTHENTICATED');
    owner = await t.login(t.owner.email, t.owner.password); // the clock moved past the access token too
  });

  it('is revoked by DELETE (204, audited once, idempotent) and then gets 401', async () => {
    const res = await create(owner, { name: 'to revoke', permissions: ['member:read', 'apikey:delete'] });
    const key = res.body.key as string;
    const id = res.body.id as string;
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: key })).status).toBe(200);
    const revoked = await t.request('DELETE', path(`/${id}`), { token: owner });
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBeUndefined();
    const denied = await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: key });
    expect(denied.status).toBe(401);
    expect(problemOf(denied).code).toBe('ERR_UNAUTHENTICATED');
    expect((await t.request('DELETE', path(`/${id}`), { token: owner })).status).toBe(204);
    const got = await t.request('GET', path(`/${id}`), { token: owner });
    expect(got.body.revokedAt).toEqual(expect.any(String));
    const audit = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, id));
    expect(audit.map((event) => event.action)).toEqual(['apikey.create', 'apikey.revoke']);
    expect(audit[1]).toMatchObject({ actorType: 'user', actorId: t.owner.userId, data: { name: 'to revoke' } });
    expect(JSON.stringify(audit)).not.toContain(key.slice(17));

    // A key may revoke itself.
    const self = await create(owner, { name: 'self', permissions: ['apikey:delete'] });
    const selfKey = self.body.key as string;
    expect((await t.request('DELETE', path(`/${String(self.body.id)}`), { token: selfKey })).status).toBe(204);
    expect((await t.request('DELETE', path(`/${String(self.body.id)}`), { token: selfKey })).status).toBe(401);
  });

  it('stops holding what its creator no longer holds', async () => {
    const admin = await t.newMember(['admin']);
    const res = await create(admin.token, { name: 'admin key', permissions: ['member:read', 'role:read'] });
    const key = res.body.key as string;
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/roles`, { token: key })).status).toBe(200);
    await t.request('PATCH', `/api/v1/orgs/${orgId}/members/${admin.userId}`, {
      token: owner,
      body: { roles: ['operator'] },
    });
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/roles`, { token: key })).status).toBe(403);
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: key })).status).toBe(200);
  });

  it("answers 404 for another org's keys and unknown ids", async () => {
    const other = await t.request('POST', '/api/v1/orgs', { token: owner, body: { name: 'B', slug: 'b-keys' } });
    const theirs = await t.request('POST', path('', other.body.id as string), {
      token: owner,
      body: { name: 'theirs', permissions: ['member:read'] },
    });
    expect(theirs.status).toBe(201);
    for (const id of [String(theirs.body.id), UNKNOWN_ID]) {
      expect((await t.request('GET', path(`/${id}`), { token: owner })).status).toBe(404);
      expect((await t.request('DELETE', path(`/${id}`), { token: owner })).status).toBe(404);
    }
    const [row] = await t.ctx.db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.id, theirs.body.id as string));
    expect(row?.revokedAt).toBeNull();
  });

  it('answers garbage with 4xx problem+json', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', path(), { name: 'x', permissions: ['member:read'], key: 'rsk_mine' }],
      ['POST', path(), { name: 'x', permissions: ['member:read'], createdBy: UNKNOWN_ID }],
      ['POST', path(), { name: 'x', permissions: 'member:read' }],
      ['POST', path(), { name: 'x', permissions: [] }],
      ['POST', path(), { name: 'x', permissions: [{}] }],
      ['POST', path(), { name: 'x', permissions: ['member:read'], expiresAt: 'tomorrow' }],
      ['POST', path(), { name: 'x', permissions: ['member:read'], expiresAt: 1e15 }],
      ['POST', path(), { name: 'x', permissions: ['member:read'], expiresAt: '9999-12-31T23:59:59Z' }],
      ['POST', path(), { name: '\u0000', permissions: ['member:read'] }],
      ['POST', path(), { name: 'x'.repeat(1000), permissions: ['member:read'] }],
      ['POST', path(), { permissions: ['member:read'] }],
      ['POST', path(), '{"name":"x","permissions":["member:read"]'],
      ['POST', path(), null],
      ['GET', path('/nope'), undefined],
      ['DELETE', path('/12345'), undefined],
      ['GET', path("?cursor=' OR 1=1"), undefined],
      ['GET', path('?limit=abc'), undefined],
    ];
    for (const [method, url, body] of cases) {
      const res = await t.request(method, url, { token: owner, body: body === null ? 'null' : body });
      expect(res.status, `${method} ${url} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${url}`).toBeLessThan(500);
      problemOf(res);
    }
    for (const bad of ['rsk_', 'rsk_short_key', `rsk_${'A'.repeat(12)}_${'B'.repeat(43)}`, 'rsk_x'.repeat(2000)]) {
      const res = await t.request('GET', path(), { token: bad });
      expect(res.status).toBe(401);
    }
  });
});
