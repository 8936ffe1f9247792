import { auditEvents, sessions } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  itemsOf,
  problemOf,
  startTestAdmin,
  testDrivers,
  type TestAdmin,
  type TestResponse,
} from '../../../test/harness.js';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

/** The session id inside an access token (`sid` claim). */
const sessionOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sid: string }).sid;

describe.each(testDrivers())('[$name] org sessions API', (driver) => {
  let t: TestAdmin;
  let owner: string;
  let orgId: string;

  const path = (rest = '', org = orgId) => `/api/v1/orgs/${org}/sessions${rest}`;
  const idsOf = (res: TestResponse) => itemsOf(res).map((s) => s.id);

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    orgId = t.owner.orgId;
    owner = await t.login(t.owner.email, t.owner.password);
  });
  afterAll(() => t.close());

  it("lists the members' sessions only, filtered by user and activity, paginated", async () => {
    const viewer = await t.newMember(['viewer']);
    const { userId: outsiderId, token: outsider } = await t.newUser('outsider@example.com');
    const res = await t.request('GET', path(), { token: owner });
    expect(res.status).toBe(200);
    const ids = idsOf(res);
    expect(ids).toContain(sessionOf(owner));
    expect(ids).toContain(sessionOf(viewer.token));
    expect(ids).not.toContain(sessionOf(outsider));
    const mine = itemsOf(res).find((s) => s.id === sessionOf(owner));
    expect(mine).toMatchObject({ userId: t.owner.userId, current: true, revokedAt: null, authMethod: 'password' });
    expect(itemsOf(res).find((s) => s.id === sessionOf(viewer.token))?.current).toBe(false);
    expect(JSON.stringify(res.body)).not.toMatch(/refresh|tokenHash/i);

    const onlyViewer = await t.request('GET', path(`?userId=${viewer.userId}`), { token: owner });
    expect(idsOf(onlyViewer)).toEqual([sessionOf(viewer.token)]);
    expect((await t.request('GET', path(`?userId=${outsiderId}`), { token: owner })).body.items).toEqual([]);

    const page = await t.request('GET', path('?limit=1'), { token: owner });
    expect(page.body.items).toHaveLength(1);
    const next = await t.request('GET', path(`?limit=1&cursor=${String(page.body.nextCursor)}`), { token: owner });
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);

    // A viewer may read them (every read permission), not revoke them.
    expect((await t.request('GET', path(), { token: viewer.token })).status).toBe(200);
    const denied = await t.request('DELETE', path(`/${sessionOf(owner)}`), { token: viewer.token });
    expect(denied.status).toBe(403);
    expect(problemOf(denied).code).toBe('ERR_FORBIDDEN');
  });

  it("revokes a member's session: its access token gets 401 at once; audited", async () => {
    const operator = await t.newMember(['operator']);
    const sid = sessionOf(operator.token);
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: operator.token })).status).toBe(200);
    const res = await t.request('DELETE', path(`/${sid}`), { token: owner });
    expect(res.status).toBe(204);
    const after = await t.request('GET', `/api/v1/orgs/${orgId}/members`, { token: operator.token });
    expect(after.status).toBe(401);
    expect(problemOf(after).code).toBe('ERR_UNAUTHENTICATED');
    const [row] = await t.ctx.db.select().from(sessions).where(eq(sessions.id, sid));
    expect(row).toMatchObject({ revokedReason: 'revoked' });
    expect(row?.revokedAt).not.toBeNull();
    // Revoking it again changes nothing (and is audited once).
    expect((await t.request('DELETE', path(`/${sid}`), { token: owner })).status).toBe(204);
    const audit = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, sid));
    expect(audit.filter((event) => event.action === 'session.revoke')).toEqual([
      expect.objectContaining({
        action: 'session.revoke',
        orgId,
        actorId: t.owner.userId,
        data: { userId: operator.userId },
      }),
    ]);

    const active = await t.request('GET', path(`?userId=${operator.userId}&active=true`), { token: owner });
    expect(active.body.items).toEqual([]);
    const ended = await t.request('GET', path(`?userId=${operator.userId}&active=false`), { token: owner });
    expect(idsOf(ended)).toEqual([sid]);
    expect(ended.body.items[0]).toMatchObject({ revokedReason: 'revoked', revokedAt: expect.any(String) });
    const all = await t.request('GET', path('?active=true'), { token: owner });
    expect(idsOf(all)).toContain(sessionOf(owner));
    expect(idsOf(all)).not.toContain(sid);
  });

  it('answers 404 for sessions of non-members and unknown sessions, and leaves them alone', async () => {
    const { token: stranger } = await t.newUser('stranger@example.com');
    const other = await t.request('POST', '/api/v1/orgs', { token: owner, body: { name: 'B', slug: 'b-sessions' } });
    const otherMember = await t.newMember(['owner'], { orgId: other.body.id as string });
    for (const id of [sessionOf(stranger), sessionOf(otherMember.token), UNKNOWN_ID]) {
      const res = await t.request('DELETE', path(`/${id}`), { token: owner });
      expect(res.status).toBe(404);
      expect(problemOf(res).code).toBe('ERR_NOT_FOUND');
    }
    expect((await t.request('GET', '/api/v1/me', { token: stranger })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token: otherMember.token })).status).toBe(200);
    // An outsider sees nothing of this org.
    expect((await t.request('GET', path(), { token: otherMember.token })).status).toBe(404);
    expect((await t.request('DELETE', path(`/${sessionOf(owner)}`), { token: otherMember.token })).status).toBe(404);
  });

  it('works for an API key with the permissions, and not without', async () => {
    const reader = await t.request('POST', `/api/v1/orgs/${orgId}/api-keys`, {
      token: owner,
      body: { name: 'sessions', permissions: ['session:read'] },
    });
    const key = reader.body.key as string;
    const listed = await t.request('GET', path(), { token: key });
    expect(listed.status).toBe(200);
    expect(itemsOf(listed).every((s) => s.current === false)).toBe(true);
    expect((await t.request('DELETE', path(`/${sessionOf(owner)}`), { token: key })).status).toBe(403);
  });

  it('answers garbage with 4xx problem+json', async () => {
    const cases: [string, string][] = [
      ['GET', path('?active=yes')],
      ['GET', path('?active=1')],
      ['GET', path('?userId=me')],
      ['GET', path("?userId=' OR 1=1 --")],
      ['GET', path('?revoked=true')],
      ['GET', path('?limit=99999999999999999999')],
      ['GET', path('?cursor=%00')],
      ['DELETE', path('/not-a-session')],
      ['DELETE', path(`/${'9'.repeat(5000)}`)],
      ['GET', '/api/v1/orgs/00000000-0000-0000-0000-00000000000z/sessions'],
    ];
    for (const [method, url] of cases) {
      const res = await t.request(method, url, { token: owner });
      expect(res.status, `${method} ${url}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${url}`).toBeLessThan(500);
      problemOf(res);
    }
    const withBody = await t.request('DELETE', path(`/${UNKNOWN_ID}`), { token: owner, body: '{"x":' });
    expect(withBody.status).toBeGreaterThanOrEqual(400);
    expect(withBody.status).toBeLessThan(500);
    expect((await t.request('GET', path())).status).toBe(401);
  });
});
