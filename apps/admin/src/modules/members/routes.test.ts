import { auditEvents, users } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, startTestAdmin, testDrivers, TEST_PASSWORD, type TestAdmin } from '../../../test/harness.js';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

describe.each(testDrivers())('[$name] members API', (driver) => {
  let t: TestAdmin;
  let owner: string;
  let orgId: string;

  const path = (rest = '', org = orgId) => `/api/v1/orgs/${org}/members${rest}`;

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    orgId = t.owner.orgId;
    owner = await t.login(t.owner.email, t.owner.password);
  });
  afterAll(() => t.close());

  it('lists members with email, name, roles and join time, filtered by role and paginated', async () => {
    const viewer = await t.newMember(['viewer']);
    const res = await t.request('GET', path(), { token: owner });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        {
          userId: t.owner.userId,
          email: t.owner.email,
          name: expect.any(String),
          roles: ['owner'],
          disabled: false,
          joinedAt: expect.any(String),
          updatedAt: expect.any(String),
        },
        expect.objectContaining({ userId: viewer.userId, email: viewer.email, roles: ['viewer'] }),
      ]),
    );
    const owners = await t.request('GET', path('?role=owner'), { token: owner });
    expect((owners.body.items as { userId: string }[]).map((m) => m.userId)).toEqual([t.owner.userId]);

    const first = await t.request('GET', path('?limit=1'), { token: owner });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.request('GET', path(`?limit=1&cursor=${String(first.body.nextCursor)}`), { token: owner });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].userId).not.toBe(first.body.items[0].userId);
  });

  it('adds an existing user, audits it, bumps the config version and notifies', async () => {
    const userId = await t.createUser('existing@example.com');
    const before = await t.configVersion(orgId);
    let notified = 0;
    const unsubscribe = t.ctx.changes.subscribe(orgId, () => notified++);
    const res = await t.request('POST', path(), {
      token: owner,
      body: { email: 'Existing@Example.com', roles: ['operator'] },
    });
    unsubscribe();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userId, email: 'existing@example.com', roles: ['operator'] });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    expect(notified).toBe(1);
    const got = await t.request('GET', path(`/${userId}`), { token: owner });
    expect(got.body).toEqual(res.body);
    const audit = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, userId));
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'member.create',
        orgId,
        actorId: t.owner.userId,
        data: { email: 'existing@example.com', roles: ['operator'], accountCreated: false },
      }),
    ]);
    const again = await t.request('POST', path(), {
      token: owner,
      body: { email: 'existing@example.com', roles: ['viewer'] },
    });
    expect(again.status).toBe(409);
    expect(problemOf(again).code).toBe('ERR_CONFLICT');
  });

  it('creates the account when no user has the email, with the password the admin sets (>= 12 chars)', async () => {
    const noPassword = await t.request('POST', path(), {
      token: owner,
      body: { email: 'new@example.com', roles: ['viewer'] },
    });
    expect(noPassword.status).toBe(400);
    expect(problemOf(noPassword).errors).toEqual([expect.objectContaining({ field: 'body.password' })]);
    const short = await t.request('POST', path(), {
      token: owner,
      body: { email: 'new@example.com', roles: ['viewer'], password: 'short' },
    });
    expect(short.status).toBe(400);
    expect(problemOf(short).errors).toEqual([expect.objectContaining({ field: 'body.password' })]);

    const res = await t.request('POST', path(), {
      token: owner,
      body: { email: 'new@example.com', roles: ['viewer'], password: 'a long enough password' },
    });
    expect(res.status).toBe(201);
    const token = await t.login('new@example.com', 'a long enough password');
    expect((await t.request('GET', path(), { token })).status).toBe(200);
    const [audit] = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.targetId, res.body.userId as string));
    expect(audit?.data).toEqual({ email: 'new@example.com', roles: ['viewer'], accountCreated: true });
    expect(JSON.stringify(audit)).not.toContain('a long enough password');
  });

  it("never sets an existing account's password", async () => {
    await t.createUser('keeps@example.com');
    const res = await t.request('POST', path(), {
      token: owner,
      body: { email: 'keeps@example.com', roles: ['viewer'], password: 'attacker chosen password' },
    });
    expect(res.status).toBe(409);
    await expect(t.login('keeps@example.com', TEST_PASSWORD)).resolves.toEqual(expect.any(String));
    await expect(t.login('keeps@example.com', 'attacker chosen password')).rejects.toThrow();
  });

  it('refuses roles that are neither built-in nor custom roles of this org, naming the field', async () => {
    const otherOrg = await t.request('POST', '/api/v1/orgs', {
      token: owner,
      body: { name: 'Other', slug: 'other-m' },
    });
    const made = await t.request('POST', `/api/v1/orgs/${String(otherOrg.body.id)}/roles`, {
      token: owner,
      body: { name: 'elsewhere', permissions: ['site:read'] },
    });
    expect(made.status).toBe(201);
    const userId = await t.createUser('roles@example.com');
    for (const roles of [
      ['viewer', 'nope'],
      ['viewer', 'elsewhere'],
    ]) {
      const res = await t.request('POST', path(), { token: owner, body: { email: 'roles@example.com', roles } });
      expect(res.status).toBe(400);
      expect(problemOf(res)).toMatchObject({ code: 'ERR_VALIDATION', errors: [{ field: 'body.roles.1' }] });
    }
    await t.addMember(orgId, userId, ['viewer']);
    const patch = await t.request('PATCH', path(`/${userId}`), { token: owner, body: { roles: ['Owner'] } });
    expect(patch.status).toBe(400);
    expect(problemOf(patch).errors).toEqual([expect.objectContaining({ field: 'body.roles.0' })]);
  });

  it('lets nobody grant permissions they lack: only owners make owners', async () => {
    const admin = await t.newMember(['admin']);
    const target = await t.createUser('target@example.com');
    const asOwner = await t.request('POST', path(), {
      token: admin.token,
      body: { email: 'target@example.com', roles: ['owner'] },
    });
    expect(asOwner.status).toBe(403);
    expect(problemOf(asOwner).code).toBe('ERR_FORBIDDEN');
    const ok = await t.request('POST', path(), {
      token: admin.token,
      body: { email: 'target@example.com', roles: ['admin'] },
    });
    expect(ok.status).toBe(201);
    const promote = await t.request('PATCH', path(`/${target}`), { token: admin.token, body: { roles: ['owner'] } });
    expect(promote.status).toBe(403);
    // Nor does an admin change or remove an owner.
    const otherOwner = await t.newMember(['owner']);
    const demote = await t.request('PATCH', path(`/${otherOwner.userId}`), {
      token: admin.token,
      body: { roles: ['viewer'] },
    });
    expect(demote.status).toBe(403);
    expect((await t.request('DELETE', path(`/${otherOwner.userId}`), { token: admin.token })).status).toBe(403);
    // A custom role with a permission the admin lacks cannot be granted by them either.
    await t.request('POST', `/api/v1/orgs/${orgId}/roles`, {
      token: owner,
      body: { name: 'deleter', permissions: ['org:delete'] },
    });
    const custom = await t.request('PATCH', path(`/${target}`), {
      token: admin.token,
      body: { roles: ['deleter'] },
    });
    expect(custom.status).toBe(403);
    // Without member:create at all.
    const operator = await t.newMember(['operator']);
    const denied = await t.request('POST', path(), {
      token: operator.token,
      body: { email: 'target@example.com', roles: ['viewer'] },
    });
    expect(denied.status).toBe(403);
    expect((await t.request('GET', path(), { token: operator.token })).status).toBe(200);
  });

  it('keeps the last owner: no demoting or removing them', async () => {
    const res = await t.request('POST', '/api/v1/orgs', { token: owner, body: { name: 'Solo', slug: 'solo-m' } });
    const solo = res.body.id as string;
    const soloPath = (rest: string) => path(rest, solo);
    const demote = await t.request('PATCH', soloPath(`/${t.owner.userId}`), {
      token: owner,
      body: { roles: ['admin'] },
    });
    expect(demote.status).toBe(409);
    expect(problemOf(demote).code).toBe('ERR_CONFLICT');
    const remove = await t.request('DELETE', soloPath(`/${t.owner.userId}`), { token: owner });
    expect(remove.status).toBe(409);
    // Keeping owner among other roles is fine.
    const keep = await t.request('PATCH', soloPath(`/${t.owner.userId}`), {
      token: owner,
      body: { roles: ['owner', 'admin'] },
    });
    expect(keep.status).toBe(200);
    // With a second owner, the first may step down, and then the second is the last.
    const second = await t.newMember(['owner'], { orgId: solo });
    const stepDown = await t.request('PATCH', soloPath(`/${t.owner.userId}`), {
      token: owner,
      body: { roles: ['admin'] },
    });
    expect(stepDown.status).toBe(200);
    expect(stepDown.body.roles).toEqual(['admin']);
    expect((await t.request('DELETE', soloPath(`/${second.userId}`), { token: second.token })).status).toBe(409);
    const ownerAgain = await t.request('PATCH', soloPath(`/${t.owner.userId}`), {
      token: second.token,
      body: { roles: ['owner'] },
    });
    expect(ownerAgain.status).toBe(200);
    expect((await t.request('DELETE', soloPath(`/${second.userId}`), { token: second.token })).status).toBe(204);
  });

  it('removes a member (audited, config bumped) and revokes the API keys they made in the org', async () => {
    const admin = await t.newMember(['admin']);
    const created = await t.request('POST', `/api/v1/orgs/${orgId}/api-keys`, {
      token: admin.token,
      body: { name: 'ci', permissions: ['member:read'] },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect((await t.request('GET', path(), { token: key })).status).toBe(200);
    const before = await t.configVersion(orgId);
    expect((await t.request('DELETE', path(`/${admin.userId}`), { token: owner })).status).toBe(204);
    expect(await t.configVersion(orgId)).toBe(before + 1);
    expect((await t.request('GET', path(), { token: key })).status).toBe(401);
    expect((await t.request('GET', path(`/${admin.userId}`), { token: owner })).status).toBe(404);
    expect((await t.request('GET', path(), { token: admin.token })).status).toBe(404);
    const audit = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, admin.userId));
    expect(audit.find((row) => row.action === 'member.delete')).toMatchObject({
      orgId,
      data: { email: admin.email, roles: ['admin'], apiKeysRevoked: [created.body.id] },
    });
    // The account itself stays.
    expect(await t.ctx.db.select().from(users).where(eq(users.id, admin.userId))).toHaveLength(1);
  });

  it('suspends a member and every key they made (audited, config bumped), and reinstates them', async () => {
    const admin = await t.newMember(['admin']);
    const created = await t.request('POST', `/api/v1/orgs/${orgId}/api-keys`, {
      token: admin.token,
      body: { name: 'ci', permissions: ['member:read'] },
    });
    const key = created.body.key as string;
    const before = await t.configVersion(orgId);
    const suspend = await t.request('PATCH', path(`/${admin.userId}`), { token: owner, body: { disabled: true } });
    expect(suspend.status).toBe(200);
    expect(suspend.body).toMatchObject({ userId: admin.userId, roles: ['admin'], disabled: true });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    // Still a member (so 403, not 404), but holding nothing: neither the person nor their key.
    for (const token of [admin.token, key]) {
      const refused = await t.request('GET', path(), { token });
      expect(refused.status).toBe(403);
      expect(problemOf(refused).code).toBe('ERR_FORBIDDEN');
    }
    const reinstate = await t.request('PATCH', path(`/${admin.userId}`), { token: owner, body: { disabled: false } });
    expect(reinstate.body.disabled).toBe(false);
    expect((await t.request('GET', path(), { token: key })).status).toBe(200);
    const audit = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, admin.userId));
    expect(audit.map((row) => row.action)).toEqual(expect.arrayContaining(['member.suspend', 'member.reinstate']));
  });

  it('lets nobody suspend themselves, someone above them, or the last active owner', async () => {
    const self = await t.request('PATCH', path(`/${t.owner.userId}`), { token: owner, body: { disabled: true } });
    expect(self.status).toBe(409);
    expect(problemOf(self).detail).toMatch(/yourself/);
    const admin = await t.newMember(['admin']);
    const above = await t.request('PATCH', path(`/${t.owner.userId}`), {
      token: admin.token,
      body: { disabled: true },
    });
    expect(above.status).toBe(403);
    const solo = (await t.request('POST', '/api/v1/orgs', { token: owner, body: { name: 'S', slug: 'solo-s' } })).body
      .id as string;
    const second = await t.newMember(['owner'], { orgId: solo });
    // Two owners: one may be suspended; then the other is the last active owner, and demoting them is refused too.
    const first = await t.request('PATCH', path(`/${t.owner.userId}`, solo), {
      token: second.token,
      body: { disabled: true },
    });
    expect(first.status).toBe(200);
    const last = await t.request('PATCH', path(`/${second.userId}`, solo), {
      token: second.token,
      body: { roles: ['admin'] },
    });
    expect(last.status).toBe(409);
  });

  it('answers 404 for users who are not members of this org, and for members of other orgs', async () => {
    const loner = await t.createUser('loner@example.com');
    const other = await t.request('POST', '/api/v1/orgs', { token: owner, body: { name: 'B', slug: 'b-members' } });
    const outsider = await t.newMember(['owner'], { orgId: other.body.id as string });
    for (const id of [loner, UNKNOWN_ID, outsider.userId]) {
      expect((await t.request('GET', path(`/${id}`), { token: owner })).status).toBe(404);
      expect((await t.request('PATCH', path(`/${id}`), { token: owner, body: { roles: ['viewer'] } })).status).toBe(
        404,
      );
      expect((await t.request('DELETE', path(`/${id}`), { token: owner })).status).toBe(404);
    }
    // The outsider sees nothing of this org either, not even the schema.
    const probe = await t.request('POST', path(), { token: outsider.token, body: { nonsense: true } });
    expect(probe.status).toBe(404);
    expect((await t.request('GET', path(`/${t.owner.userId}`), { token: outsider.token })).status).toBe(404);
  });

  it('answers garbage with 4xx problem+json', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', path(), { email: 'x@example.com', roles: ['viewer'], extra: 1 }],
      ['POST', path(), { email: 'not an email', roles: ['viewer'] }],
      ['POST', path(), { email: 'x@example.com', roles: 'viewer' }],
      ['POST', path(), { email: 'x@example.com', roles: [] }],
      ['POST', path(), { email: 'x@example.com', roles: [42] }],
      ['POST', path(), { email: 'x@example.com', roles: ["viewer'; DROP TABLE users; --"] }],
      ['POST', path(), { email: 'x@example.com', roles: ['viewer'], password: 12345678901234 }],
      ['POST', path(), { email: 'x'.repeat(100_000), roles: ['viewer'] }],
      ['POST', path(), '{"email": '],
      ['POST', path(), [1, 2]],
      ['PATCH', path(`/${t.owner.userId}`), { roles: ['owner'], email: 'x@example.com' }],
      ['PATCH', path(`/${t.owner.userId}`), {}],
      ['PATCH', path(`/${t.owner.userId}`), { disabled: 'yes' }],
      ['PATCH', path(`/${t.owner.userId}`), { disabled: null }],
      ['PATCH', path('/not-a-uuid'), { roles: ['viewer'] }],
      ['GET', path('/1'), undefined],
      ['DELETE', path("/' OR 1=1 --"), undefined],
      ['GET', path('?limit=0'), undefined],
      ['GET', path('?limit=-1'), undefined],
      ['GET', path('?limit=1e9'), undefined],
      ['GET', path('?cursor=garbage'), undefined],
      ['GET', path('?role=OWNER'), undefined],
      ['GET', path('?unknown=1'), undefined],
      ['GET', '/api/v1/orgs/not-an-id/members', undefined],
    ];
    for (const [method, url, body] of cases) {
      const res = await t.request(method, url, { token: owner, body });
      expect(res.status, `${method} ${url} ${JSON.stringify(body)?.slice(0, 80) ?? ''}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      problemOf(res);
    }
    expect((await t.request('GET', path())).status).toBe(401);
  });
});
