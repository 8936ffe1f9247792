import { auditEvents, sites } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemsOf, problemOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';

describe.each(testDrivers())('[$name] sites API', (driver) => {
  let t: TestAdmin;
  let token: string;
  let orgId: string;
  let base: string;
  let other: { token: string; orgId: string; siteId: string };

  const create = (body: unknown) => t.request('POST', base, { token, body });
  const created = (body: unknown) => t.created(base, { token, body });

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    token = await t.login(t.owner.email, t.owner.password);
    orgId = t.owner.orgId;
    base = `/api/v1/orgs/${orgId}/sites`;
    const bob = await t.otherOrg();
    const site = await t.created(`/api/v1/orgs/${bob.orgId}/sites`, { token: bob.token, body: { name: 'home' } });
    other = { token: bob.token, orgId: bob.orgId, siteId: site.id };
  });
  afterAll(() => t.close());

  it('creates a site, not enrolled and offline, audited, and bumps the config version', async () => {
    const before = await t.configVersion(orgId);
    const res = await create({ name: 'home lab', description: 'the rack in the basement' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      orgId,
      name: 'home lab',
      description: 'the rack in the basement',
      online: false,
      offlineReason: 'not_enrolled',
      lastSeenAt: null,
      tunnelAddress: expect.stringMatching(/^100\.96\.\d+\.\d+$/),
      publicKey: null,
      enrolToken: expect.stringMatching(/^rst_/),
    });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    const events = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.targetId, res.body.id as string));
    expect(events.map((e) => [e.action, e.actorId])).toEqual([['site.create', t.owner.userId]]);
    const shown = await t.request('GET', `${base}/${res.body.id}`, { token });
    expect({ ...shown.body, enrolToken: res.body.enrolToken }).toEqual(res.body);
  });

  it('shows a connector online for 90 seconds after it was last seen with a fresh handshake, and says why not', async () => {
    const site = await created({ name: 'enrolled' });
    const key = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
    await t.ctx.db
      .update(sites)
      .set({ lastSeenAt: t.ctx.now(), certFingerprint: `fp-${site.id}`, publicKey: key })
      .where(eq(sites.id, site.id));
    const noTunnel = await t.request('GET', `${base}/${site.id}`, { token });
    expect(noTunnel.body).toMatchObject({ online: false, offlineReason: 'no_handshake', enrolled: true });
    await t.ctx.db.update(sites).set({ lastHandshakeAt: t.ctx.now() }).where(eq(sites.id, site.id));
    const online = await t.request('GET', `${base}/${site.id}`, { token });
    expect(online.body).toMatchObject({
      online: true,
      offlineReason: null,
      tunnelAddress: site.tunnelAddress,
      publicKey: key,
    });
    t.advance(90_000);
    expect((await t.request('GET', `${base}/${site.id}`, { token })).body.online).toBe(true);
    t.advance(1_000);
    const offline = await t.request('GET', `${base}/${site.id}`, { token });
    expect(offline.body).toMatchObject({ online: false, offlineReason: 'connector_not_seen' });
    expect(offline.body.lastSeenAt).toBe(online.body.lastSeenAt);
    const listed = await t.request('GET', `${base}?limit=200`, { token });
    expect(itemsOf(listed).find((s) => s.id === site.id)).toMatchObject({ online: false });
  });

  it('renames and redescribes; a taken name is 409', async () => {
    const site = await created({ name: 'office' });
    const before = await t.configVersion(orgId);
    const res = await t.request('PATCH', `${base}/${site.id}`, { token, body: { name: 'hq', description: 'Berlin' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'hq', description: 'Berlin' });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    const taken = await t.request('PATCH', `${base}/${site.id}`, { token, body: { name: 'home lab' } });
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toBe('a site with this name exists in this organisation');
    const dup = await create({ name: 'hq' });
    expect(dup.status).toBe(409);
    expect(await t.configVersion(orgId)).toBe(before + 1);
  });

  it('deletes an unused site; refuses one a resource uses', async () => {
    const used = await created({ name: 'used' });
    const resource = await t.request('POST', `/api/v1/orgs/${orgId}/resources`, {
      token,
      body: { name: 'nas', kind: 'tcp', port: 4445, targets: [{ host: '192.168.1.10', port: 445 }], siteId: used.id },
    });
    expect(resource.status).toBe(201);
    const refused = await t.request('DELETE', `${base}/${used.id}`, { token });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ERR_CONFLICT', detail: expect.stringMatching(/used by 1 resource;/) });

    const unused = await created({ name: 'unused' });
    const before = await t.configVersion(orgId);
    expect((await t.request('DELETE', `${base}/${unused.id}`, { token })).status).toBe(204);
    expect(await t.configVersion(orgId)).toBe(before + 1);
    expect((await t.request('GET', `${base}/${unused.id}`, { token })).status).toBe(404);
  });

  it("answers 404 for another organisation's site, on every route", async () => {
    const theirs = `${base}/${other.siteId}`;
    expect((await t.request('GET', theirs, { token })).status).toBe(404);
    expect((await t.request('PATCH', theirs, { token, body: { name: 'mine' } })).status).toBe(404);
    expect((await t.request('DELETE', theirs, { token })).status).toBe(404);
    expect((await t.request('GET', `/api/v1/orgs/${other.orgId}/sites/${other.siteId}`, { token })).status).toBe(404);
    expect(
      (await t.request('GET', `/api/v1/orgs/${other.orgId}/sites/${other.siteId}`, { token: other.token })).status,
    ).toBe(200);
  });

  it('lists sites in pages, in creation order', async () => {
    const first = await t.request('GET', `${base}?limit=2`, { token });
    expect(first.body.items).toHaveLength(2);
    const rest = await t.request('GET', `${base}?cursor=${first.body.nextCursor}`, { token });
    const ids = [...itemsOf(first), ...itemsOf(rest)].map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids).toHaveLength(4); // home lab, enrolled, hq, used
  });

  it('a viewer reads, and cannot change', async () => {
    const { token: viewer } = await t.newMember(['viewer'], { email: 'viewer@example.com' });
    expect((await t.request('GET', base, { token: viewer })).status).toBe(200);
    expect((await t.request('POST', base, { token: viewer, body: { name: 'x' } })).status).toBe(403);
  });

  describe('garbage gets a 4xx problem, never a 500', () => {
    it.each([
      ['no name', {}],
      ['empty name', { name: '' }],
      ['huge name', { name: 'x'.repeat(100_000) }],
      ['control characters', { name: 'a\u0000b' }],
      ['NUL in the description', { name: 'nul', description: 'a\u0000b' }],
      ['huge description', { name: 'g', description: 'x'.repeat(1001) }],
      ['wrong types', { name: 1, description: [] }],
      ['enrolment fields are not settable', { name: 'g', publicKey: 'x', tunnelAddress: '10.0.0.1' }],
      ['online is not settable', { name: 'g', online: true }],
      ['null', null],
      ['malformed JSON', '{'],
    ])('POST: %s', async (_, body) => {
      const res = await create(body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      problemOf(res);
    });

    it.each([
      ['unknown field', { lastSeenAt: '2026-01-01T00:00:00Z' }],
      ['wrong type', { name: false }],
    ])('PATCH: %s', async (_, body) => {
      const site = (await t.request('GET', `${base}?limit=1`, { token })).body.items[0];
      const res = await t.request('PATCH', `${base}/${site.id}`, { token, body });
      expect(res.status).toBe(400);
    });

    it.each(['limit=1000', 'cursor=nope', 'q=x'])('GET ?%s', async (query) => {
      expect((await t.request('GET', `${base}?${query}`, { token })).status).toBe(400);
    });
  });
});
