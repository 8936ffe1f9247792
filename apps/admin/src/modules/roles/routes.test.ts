import { auditEvents } from '@rustronaut/db';
import { BUILT_IN_ROLES } from '@rustronaut/policy';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

describe.each(testDrivers())('[$name] roles API', (driver) => {
  let t: TestAdmin;
  let owner: string;
  let orgId: string;

  const path = (rest = '', org = orgId) => `/api/v1/orgs/${org}/roles${rest}`;

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    orgId = t.owner.orgId;
    owner = await t.login(t.owner.email, t.owner.password);
  });
  afterAll(() => t.close());

  it('lists the built-in roles first, with their permissions, then custom roles, page by page', async () => {
    const created = await t.request('POST', path(), {
      token: owner,
      body: { name: 'auditor', description: 'Reads the audit log', permissions: ['audit:read', 'org:read'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'auditor',
      description: 'Reads the audit log',
      permissions: ['audit:read', 'org:read'],
      builtIn: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const res = await t.request('GET', path(), { token: owner });
    expect(res.status).toBe(200);
    expect((res.body.items as { name: string }[]).map((role) => role.name)).toEqual([
      'owner',
      'admin',
      'operator',
      'viewer',
      'auditor',
    ]);
    for (const role of (res.body.items as { name: string; permissions: string[] }[]).slice(0, 4)) {
      expect(role).toMatchObject({ builtIn: true, id: role.name, createdAt: null });
      expect(role.permissions).toEqual([...BUILT_IN_ROLES[role.name as keyof typeof BUILT_IN_ROLES]]);
    }
    expect(res.body.nextCursor).toBeNull();

    const second = await t.request('POST', path(), {
      token: owner,
      body: { name: 'second', permissions: ['site:read'] },
    });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { name: string }[]; nextCursor: string | null } } = await t.request(
        'GET',
        path(`?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`),
        { token: owner },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      names.push(...page.body.items.map((role) => role.name));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(names).toEqual(['owner', 'admin', 'operator', 'viewer', 'auditor', 'second']);

    // One role by id, or by name (built-in roles only have a name).
    expect((await t.request('GET', path(`/${String(created.body.id)}`), { token: owner })).body).toEqual(created.body);
    expect((await t.request('GET', path('/auditor'), { token: owner })).body).toEqual(created.body);
    expect((await t.request('GET', path('/viewer'), { token: owner })).body).toMatchObject({ builtIn: true });
    expect((await t.request('DELETE', path(`/${String(second.body.id)}`), { token: owner })).status).toBe(204);
  });

  it('refuses unknown permissions naming the field, built-in and taken names, and upper case', async () => {
    const unknown = await t.request('POST', path(), {
      token: owner,
      body: { name: 'bad', permissions: ['site:read', 'site:explode'] },
    });
    expect(unknown.status).toBe(400);
    expect(problemOf(unknown)).toMatchObject({
      code: 'ERR_POLICY_INVALID',
      errors: [{ field: 'body.permissions.1', message: expect.stringContaining('site:explode') }],
    });
    const builtIn = await t.request('POST', path(), {
      token: owner,
      body: { name: 'owner', permissions: ['site:read'] },
    });
    expect(builtIn.status).toBe(409);
    expect(problemOf(builtIn).code).toBe('ERR_CONFLICT');
    await t.request('POST', path(), { token: owner, body: { name: 'taken', permissions: ['site:read'] } });
    const taken = await t.request('POST', path(), {
      token: owner,
      body: { name: 'taken', permissions: ['site:read'] },
    });
    expect(taken.status).toBe(409);
    expect(problemOf(taken).detail).toMatch(/role with this name exists/);
    const upper = await t.request('POST', path(), {
      token: owner,
      body: { name: 'Owner', permissions: ['site:read'] },
    });
    expect(upper.status).toBe(400);
    expect(problemOf(upper).errors).toEqual([expect.objectContaining({ field: 'body.name' })]);
    const rename = await t.request('PATCH', path('/taken'), { token: owner, body: { name: 'admin' } });
    expect(rename.status).toBe(409);
  });

  it('lets nobody put a permission they lack into a role, or change a role above them', async () => {
    const admin = await t.newMember(['admin']);
    const escalate = await t.request('POST', path(), {
      token: admin.token,
      body: { name: 'deleter', permissions: ['org:delete'] },
    });
    expect(escalate.status).toBe(403);
    expect(problemOf(escalate)).toMatchObject({ code: 'ERR_FORBIDDEN', detail: expect.stringContaining('org:delete') });
    const fine = await t.request('POST', path(), {
      token: admin.token,
      body: { name: 'siter', permissions: ['site:read'] },
    });
    expect(fine.status).toBe(201);
    const widen = await t.request('PATCH', path('/siter'), {
      token: admin.token,
      body: { permissions: ['org:delete'] },
    });
    expect(widen.status).toBe(403);
    const ownerRole = await t.request('POST', path(), {
      token: owner,
      body: { name: 'delete-only', permissions: ['org:delete'] },
    });
    expect(ownerRole.status).toBe(201);
    const narrow = await t.request('PATCH', path('/delete-only'), {
      token: admin.token,
      body: { permissions: ['site:read'] },
    });
    expect(narrow.status).toBe(403);
    const operator = await t.newMember(['operator']);
    expect((await t.request('GET', path(), { token: operator.token })).status).toBe(403);
    const viewer = await t.newMember(['viewer']);
    expect((await t.request('GET', path(), { token: viewer.token })).status).toBe(200);
    expect(
      (await t.request('POST', path(), { token: viewer.token, body: { name: 'v', permissions: ['site:read'] } }))
        .status,
    ).toBe(403);
  });

  it('grants its permissions to members; keeps its name and itself while assigned; bumps the config version', async () => {
    const before = await t.configVersion(orgId);
    const created = await t.request('POST', path(), {
      token: owner,
      body: { name: 'member-reader', permissions: ['member:read'] },
    });
    expect(created.status).toBe(201);
    expect(await t.configVersion(orgId)).toBe(before + 1);
    const holder = await t.newMember(['member-reader']);
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: holder.token })).status).toBe(200);
    expect((await t.request('GET', path(), { token: holder.token })).status).toBe(403);

    const renamed = await t.request('PATCH', path('/member-reader'), { token: owner, body: { name: 'reader' } });
    expect(renamed.status).toBe(409);
    expect(problemOf(renamed).code).toBe('ERR_CONFLICT');
    const deleted = await t.request('DELETE', path(`/${String(created.body.id)}`), { token: owner });
    expect(deleted.status).toBe(409);
    expect(problemOf(deleted).code).toBe('ERR_CONFLICT');

    // Permissions of an assigned role may change (by someone holding old and new).
    const widened = await t.request('PATCH', path('/member-reader'), {
      token: owner,
      body: { permissions: ['member:read', 'role:read'], description: 'reads members and roles' },
    });
    expect(widened.status).toBe(200);
    expect(widened.body).toMatchObject({
      permissions: ['member:read', 'role:read'],
      description: 'reads members and roles',
    });
    expect((await t.request('GET', path(), { token: holder.token })).status).toBe(200);

    await t.request('PATCH', `/api/v1/orgs/${orgId}/members/${holder.userId}`, {
      token: owner,
      body: { roles: ['viewer'] },
    });
    const renamedNow = await t.request('PATCH', path('/member-reader'), { token: owner, body: { name: 'reader' } });
    expect(renamedNow.status).toBe(200);
    expect(renamedNow.body.name).toBe('reader');
    const versionBeforeDelete = await t.configVersion(orgId);
    expect((await t.request('DELETE', path('/reader'), { token: owner })).status).toBe(204);
    expect(await t.configVersion(orgId)).toBe(versionBeforeDelete + 1);
    expect((await t.request('GET', path(`/${String(created.body.id)}`), { token: owner })).status).toBe(404);
    const audit = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.targetId, created.body.id as string));
    expect(audit.map((row) => row.action)).toEqual(['role.create', 'role.update', 'role.update', 'role.delete']);
    expect(audit[2]?.data).toMatchObject({ name: 'reader', previousName: 'member-reader' });
  });

  it('refuses to change or delete built-in roles', async () => {
    expect((await t.request('PATCH', path('/owner'), { token: owner, body: { description: 'x' } })).status).toBe(409);
    expect((await t.request('DELETE', path('/viewer'), { token: owner })).status).toBe(409);
  });

  it("answers 404 for another org's roles and for unknown ones", async () => {
    const other = await t.request('POST', '/api/v1/orgs', {
      token: owner,
      body: { name: 'Other', slug: 'other-roles' },
    });
    const otherId = other.body.id as string;
    const theirs = await t.request('POST', path('', otherId), {
      token: owner,
      body: { name: 'theirs', permissions: ['site:read'] },
    });
    expect(theirs.status).toBe(201);
    for (const ref of [String(theirs.body.id), 'theirs', UNKNOWN_ID, 'nope']) {
      expect((await t.request('GET', path(`/${ref}`), { token: owner })).status).toBe(404);
      expect((await t.request('PATCH', path(`/${ref}`), { token: owner, body: { description: 'x' } })).status).toBe(
        404,
      );
      expect((await t.request('DELETE', path(`/${ref}`), { token: owner })).status).toBe(404);
    }
    const outsider = await t.newMember(['owner'], { orgId: otherId });
    expect((await t.request('GET', path(), { token: outsider.token })).status).toBe(404);
    expect((await t.request('POST', path(), { token: outsider.token, body: { junk: 1 } })).status).toBe(404);
  });

  it('answers garbage with 4xx problem+json', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', path(), { name: 'x', permissions: ['site:read'], extra: true }],
      ['POST', path(), { name: 'x', permissions: 'site:read' }],
      ['POST', path(), { name: 'x', permissions: [] }],
      ['POST', path(), { name: 'x', permissions: [null] }],
      ['POST', path(), { name: 'x', permissions: ["site:read' OR '1'='1"] }],
      ['POST', path(), { name: 42, permissions: ['site:read'] }],
      ['POST', path(), { name: '', permissions: ['site:read'] }],
      ['POST', path(), { name: 'x'.repeat(10_000), permissions: ['site:read'] }],
      ['POST', path(), { name: 'x', permissions: ['site:read'], description: 'd'.repeat(5000) }],
      ['POST', path(), { name: 'x', permissions: Array.from({ length: 1000 }, () => 'site:read') }],
      ['POST', path(), 'not json'],
      ['PATCH', path('/viewer'), { builtIn: false }],
      ['PATCH', path('/UPPER'), { description: 'x' }],
      ['GET', path('/%00'), undefined],
      ['DELETE', path('/-1'), undefined],
      ['GET', path('?limit=201'), undefined],
      ['GET', path('?cursor=b3duZXJ4'), undefined],
      ['GET', path('?extra=1'), undefined],
    ];
    for (const [method, url, body] of cases) {
      const res = await t.request(method, url, { token: owner, body });
      expect(res.status, `${method} ${url}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${url}`).toBeLessThan(500);
      problemOf(res);
    }
  });
});
