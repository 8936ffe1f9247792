import { auditEvents } from '@rustronaut/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemsOf, problemOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';
import { buildSnapshot } from '../../control/build-snapshot.js';

const httpResource = (name: string, host: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'http',
  host,
  targets: [{ url: 'http://10.0.0.5:8080' }],
  ...extra,
});
const tcpResource = (name: string, port: number, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'tcp',
  port,
  targets: [{ host: '10.0.0.7', port: 5432 }],
  ...extra,
});

describe.each(testDrivers())('[$name] resources API', (driver) => {
  let t: TestAdmin;
  let token: string;
  let orgId: string;
  let base: string;
  /** A second organisation, of another user. */
  let other: { token: string; orgId: string; policyId: string; siteId: string };

  const create = (body: unknown, as = token, org = orgId) =>
    t.request('POST', `/api/v1/orgs/${org}/resources`, { token: as, body });
  const created = (body: unknown) => t.created(base, { token, body });

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    token = await t.login(t.owner.email, t.owner.password);
    orgId = t.owner.orgId;
    base = `/api/v1/orgs/${orgId}/resources`;
    const bob = await t.otherOrg();
    const policy = await t.created(`/api/v1/orgs/${bob.orgId}/policies`, {
      token: bob.token,
      body: { name: 'bob-policy', rules: [] },
    });
    const site = await t.created(`/api/v1/orgs/${bob.orgId}/sites`, { token: bob.token, body: { name: 'bob-site' } });
    other = { token: bob.token, orgId: bob.orgId, policyId: policy.id, siteId: site.id };
  });
  afterAll(() => t.close());

  it('creates an HTTP resource with defaults, normalized host and path, audited, and bumps the config version', async () => {
    const before = await t.configVersion(orgId);
    const notified: number[] = [];
    const unsubscribe = t.ctx.changes.subscribe(orgId, () => notified.push(1));
    const res = await create(
      httpResource('App', 'App.Bücher.Example', { pathPrefix: '/%7eapi/', options: { public: true } }),
    );
    unsubscribe();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      orgId,
      name: 'App',
      kind: 'http',
      host: 'app.xn--bcher-kva.example',
      pathPrefix: '/~api/',
      targets: [{ url: 'http://10.0.0.5:8080', weight: 1 }],
      options: { public: true },
      policyId: null,
      siteId: null,
      enabled: true,
    });
    expect(res.body).not.toHaveProperty('port');
    expect(await t.configVersion(orgId)).toBe(before + 1);
    expect(notified).toHaveLength(1);
    const [event] = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'resource.create'), eq(auditEvents.targetId, res.body.id as string)));
    expect(event).toMatchObject({ orgId, actorId: t.owner.userId, targetType: 'resource' });
    expect(event?.data).toMatchObject({ host: 'app.xn--bcher-kva.example', pathPrefix: '/~api/' });

    const got = await t.request('GET', `${base}/${res.body.id}`, { token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('creates TCP resources: a plain port and SNI names sharing a port', async () => {
    const plain = await created(tcpResource('postgres', 15432));
    expect(plain).toMatchObject({
      kind: 'tcp',
      host: '',
      port: 15432,
      targets: [{ host: '10.0.0.7', port: 5432, weight: 1 }],
    });
    expect(plain).not.toHaveProperty('pathPrefix');
    await created(tcpResource('ssh-a', 2222, { host: 'a.ssh.example', options: { public: true } }));
    await created(tcpResource('ssh-b', 2222, { host: 'B.ssh.example', options: { public: true } }));
    const again = await create(tcpResource('postgres-2', 15432));
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('another resource already publishes this host and path (or port)');
  });

  it('what it stores compiles into the gateway snapshot: public routes, managed ones, public TCP only', async () => {
    await created(
      httpResource('tuned', 'tuned.example.com', {
        options: {
          public: true,
          loadBalancing: 'least-connections',
          timeouts: { connectMs: 1000 },
          rateLimit: { requestsPerSecond: 10, burst: 20 },
          preserveHost: true,
          healthCheck: { path: '/healthz' },
        },
      }),
    );
    const skipped: unknown[] = [];
    const snapshot = await buildSnapshot(t.ctx, orgId, {
      adminUrl: 'https://admin.example.com',
      onSkip: (s) => skipped.push(s),
    });
    // `postgres` is a TCP resource that is not public: left out (fail closed), a TCP stream cannot sign in.
    expect(skipped).toEqual([
      expect.objectContaining({ name: 'postgres', reason: expect.stringMatching(/TCP resource cannot sign users in/) }),
    ]);
    expect(snapshot.access).toMatchObject({ issuer: 'rustronaut', loginUrl: 'https://admin.example.com/login' });
    expect(snapshot.version).toBe(await t.configVersion(orgId));
    expect(snapshot.config.routes.find((r) => r.match.host === 'tuned.example.com')).toMatchObject({
      loadBalancing: 'least-connections',
      timeouts: { connectMs: 1000 },
      preserveHost: true,
    });
    expect(snapshot.config.routes.find((r) => r.match.host === 'app.xn--bcher-kva.example')?.match.pathPrefix).toBe(
      '/~api/',
    );
    expect(snapshot.config.tcp.find((l) => l.listen === ':2222')?.sni).toHaveLength(2);
  });

  it('refuses a host and path another organisation publishes (409), and a taken name, without bumping', async () => {
    const theirs = await create(httpResource('shared', 'shared.example.com'), other.token, other.orgId);
    expect(theirs.status).toBe(201);
    const before = await t.configVersion(orgId);
    const mine = await create(httpResource('mine', 'SHARED.example.com'));
    expect(mine.status).toBe(409);
    problemOf(mine);
    expect(mine.body).toMatchObject({
      code: 'ERR_DB_CONFLICT',
      detail: 'another resource already publishes this host and path (or port)',
    });
    expect(JSON.stringify(mine.body)).not.toContain(other.orgId);
    expect(JSON.stringify(mine.body)).not.toContain(theirs.body.id);
    // Another path on the same host is another address.
    expect((await create(httpResource('mine', 'shared.example.com', { pathPrefix: '/mine' }))).status).toBe(201);
    const sameName = await create(httpResource('mine', 'other.example.com'));
    expect(sameName.status).toBe(409);
    expect(sameName.body.detail).toBe('a resource with this name exists in this organisation');
    expect(await t.configVersion(orgId)).toBe(before + 1);
  });

  it("refuses another organisation's policy and site with the answer an unknown id gets", async () => {
    const unknown = '0190a5e0-0000-7000-8000-000000000000';
    for (const [field, id] of [
      ['policyId', other.policyId],
      ['policyId', unknown],
      ['siteId', other.siteId],
      ['siteId', unknown],
    ] as const) {
      const res = await create(httpResource(`linked-${field}`, 'linked.example.com', { [field]: id }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ERR_VALIDATION');
      expect(res.body.errors).toEqual([
        { field: `body.${field}`, message: `no such ${field === 'policyId' ? 'policy' : 'site'} in this organisation` },
      ]);
      expect(JSON.stringify(res.body)).not.toContain(other.orgId);
    }
  });

  it("answers 404 for another organisation's resource, on every method", async () => {
    const theirs = await create(httpResource('theirs', 'theirs.example.com'), other.token, other.orgId);
    const mine = `${base}/${theirs.body.id}`;
    expect((await t.request('GET', mine, { token })).status).toBe(404);
    expect((await t.request('PATCH', mine, { token, body: { name: 'x' } })).status).toBe(404);
    expect((await t.request('DELETE', mine, { token })).status).toBe(404);
    // Their org's URL: I am no member.
    const foreign = `/api/v1/orgs/${other.orgId}/resources/${theirs.body.id}`;
    expect((await t.request('GET', foreign, { token })).status).toBe(404);
    expect((await t.request('GET', foreign, { token: other.token })).status).toBe(200);
  });

  it('links a policy and a site of the org, filters by them, and refuses to delete them while in use', async () => {
    const policy = await t.request('POST', `/api/v1/orgs/${orgId}/policies`, {
      token,
      body: { name: 'staff', rules: [{ id: 'staff', effect: 'allow', when: { emails: ['@example.com'] } }] },
    });
    const site = await t.request('POST', `/api/v1/orgs/${orgId}/sites`, { token, body: { name: 'lab' } });
    const linked = await created(
      httpResource('linked', 'linked.example.com', { policyId: policy.body.id, siteId: site.body.id }),
    );
    expect(linked).toMatchObject({ policyId: policy.body.id, siteId: site.body.id });

    const byPolicy = await t.request('GET', `${base}?policyId=${policy.body.id}`, { token });
    expect(itemsOf(byPolicy).map((r) => r.id)).toEqual([linked.id]);
    const bySite = await t.request('GET', `${base}?siteId=${site.body.id}`, { token });
    expect(itemsOf(bySite).map((r) => r.id)).toEqual([linked.id]);
    const foreignSite = await t.request('GET', `${base}?siteId=${other.siteId}`, { token });
    expect(foreignSite.body).toEqual({ items: [], nextCursor: null });

    const delPolicy = await t.request('DELETE', `/api/v1/orgs/${orgId}/policies/${policy.body.id}`, { token });
    expect(delPolicy.status).toBe(409);
    expect(delPolicy.body).toMatchObject({ code: 'ERR_CONFLICT', detail: expect.stringMatching(/used by 1 resource/) });
    const delSite = await t.request('DELETE', `/api/v1/orgs/${orgId}/sites/${site.body.id}`, { token });
    expect(delSite.status).toBe(409);

    const unlinked = await t.request('PATCH', `${base}/${linked.id}`, {
      token,
      body: { policyId: null, siteId: null },
    });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body).toMatchObject({ policyId: null, siteId: null });
    expect((await t.request('DELETE', `/api/v1/orgs/${orgId}/policies/${policy.body.id}`, { token })).status).toBe(204);
    expect((await t.request('DELETE', `/api/v1/orgs/${orgId}/sites/${site.body.id}`, { token })).status).toBe(204);
  });

  it('updates a resource as a whole against its kind, bumping the config version', async () => {
    const http = await created(httpResource('patched', 'patched.example.com'));
    const before = await t.configVersion(orgId);
    const res = await t.request('PATCH', `${base}/${http.id}`, {
      token,
      body: {
        host: 'Patched2.Example.com',
        pathPrefix: '/v2',
        targets: [{ url: 'https://10.0.0.9', weight: 3 }],
        options: { public: true, preserveHost: true },
        enabled: false,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: http.id,
      name: 'patched',
      host: 'patched2.example.com',
      pathPrefix: '/v2',
      targets: [{ url: 'https://10.0.0.9', weight: 3 }],
      options: { public: true, preserveHost: true },
      enabled: false,
    });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    const [event] = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'resource.update'), eq(auditEvents.targetId, http.id)));
    expect(event?.data).toMatchObject({ host: 'patched2.example.com', enabled: false });

    const port = await t.request('PATCH', `${base}/${http.id}`, { token, body: { port: 80 } });
    expect(port.status).toBe(400);
    expect(port.body.errors).toEqual([{ field: 'body.port', message: 'is not a field of a http resource' }]);
    const tcpTargets = await t.request('PATCH', `${base}/${http.id}`, {
      token,
      body: { targets: [{ host: '10.0.0.1', port: 80 }] },
    });
    expect(tcpTargets.status).toBe(400);
    expect(tcpTargets.body.code).toBe('ERR_VALIDATION');
    const emptyHost = await t.request('PATCH', `${base}/${http.id}`, { token, body: { host: '' } });
    expect(emptyHost.status).toBe(400);
    expect(emptyHost.body.errors[0].field).toBe('body.host');

    const tcp = await created(tcpResource('patched-tcp', 15433));
    const prefix = await t.request('PATCH', `${base}/${tcp.id}`, { token, body: { pathPrefix: '/x' } });
    expect(prefix.status).toBe(400);
    expect(prefix.body.errors).toEqual([{ field: 'body.pathPrefix', message: 'is not a field of a tcp resource' }]);
    const httpOptions = await t.request('PATCH', `${base}/${tcp.id}`, {
      token,
      body: { options: { preserveHost: true } },
    });
    expect(httpOptions.status).toBe(400);
    const moved = await t.request('PATCH', `${base}/${tcp.id}`, {
      token,
      body: { port: 15434, host: 'db.example.com' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ port: 15434, host: 'db.example.com' });
    const clash = await t.request('PATCH', `${base}/${http.id}`, { token, body: { name: 'patched-tcp' } });
    expect(clash.status).toBe(409);
    // The PATCH of the HTTP resource, the creation and the PATCH of the TCP one; no failed change.
    expect(await t.configVersion(orgId)).toBe(before + 3);
  });

  it('deletes a resource, audited and bumped; a second delete is 404', async () => {
    const doomed = await created(httpResource('doomed', 'doomed.example.com'));
    const before = await t.configVersion(orgId);
    const res = await t.request('DELETE', `${base}/${doomed.id}`, { token });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(await t.configVersion(orgId)).toBe(before + 1);
    expect((await t.request('GET', `${base}/${doomed.id}`, { token })).status).toBe(404);
    expect((await t.request('DELETE', `${base}/${doomed.id}`, { token })).status).toBe(404);
    const events = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, doomed.id));
    expect(events.map((e) => e.action)).toEqual(['resource.create', 'resource.delete']);
  });

  it('filters by text (literally, case-insensitively, in name or host) and by kind', async () => {
    await created(httpResource('100%_done', 'percent.example.com'));
    await created(httpResource('100xxdone', 'plain.example.com'));
    await created(httpResource("o'brien\\x", 'quote.example.com'));
    const names = async (query: string) => {
      const res = await t.request('GET', `${base}?${query}`, { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.items as Array<{ name: string }>).map((r) => r.name);
    };
    expect(await names(`q=${encodeURIComponent('%_')}`)).toEqual(['100%_done']);
    expect(await names(`q=${encodeURIComponent('100%')}`)).toEqual(['100%_done']);
    expect(await names(`q=${encodeURIComponent("o'BRIEN\\")}`)).toEqual(["o'brien\\x"]);
    expect(await names('q=PERCENT.EXAMPLE')).toEqual(['100%_done']);
    expect(await names(`q=${encodeURIComponent("'; DROP TABLE resources; --")}`)).toEqual([]);
    const nul = await t.request('GET', `${base}?q=${encodeURIComponent('a\u0000')}`, { token });
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([{ field: 'querystring.q', message: 'must not contain control characters' }]);
    const tcp = await names('kind=tcp&limit=200');
    expect(tcp.length).toBeGreaterThan(0);
    expect(tcp.every((n) => n.startsWith('postgres') || n.startsWith('ssh') || n.startsWith('patched-tcp'))).toBe(true);
    expect(await names('kind=http&q=percent')).toEqual(['100%_done']);
    expect(await names('kind=tcp&q=percent')).toEqual([]);
  });

  it('pages through 120 resources in creation order, without duplicates', async () => {
    const owner = await t.request('POST', '/api/v1/orgs', { token, body: { name: 'Paged', slug: 'paged' } });
    const paged = owner.body.id as string;
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const res = await create(
        httpResource(`r${String(i).padStart(3, '0')}`, `r${String(i)}.paged.example.com`),
        token,
        paged,
      );
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? 'limit=50' : `limit=50&cursor=${cursor}`;
      const res = await t.request('GET', `/api/v1/orgs/${paged}/resources?${query}`, { token });
      expect(res.status).toBe(200);
      sizes.push(itemsOf(res).length);
      seen.push(...(res.body.items as Array<{ id: string }>).map((r) => r.id));
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual(ids);
    expect(new Set(seen).size).toBe(120);
    const filtered = await t.request('GET', `/api/v1/orgs/${paged}/resources?q=r11&limit=5`, { token });
    expect(itemsOf(filtered).map((r) => r.name)).toEqual(['r011', 'r110', 'r111', 'r112', 'r113']);
    const next = await t.request(
      'GET',
      `/api/v1/orgs/${paged}/resources?q=r11&limit=5&cursor=${filtered.body.nextCursor}`,
      {
        token,
      },
    );
    expect(itemsOf(next).map((r) => r.name)).toEqual(['r114', 'r115', 'r116', 'r117', 'r118']);
  });

  it('explains what a resource admits: its policy, its public option, and nobody without either', async () => {
    const policy = await t.request('POST', `/api/v1/orgs/${orgId}/policies`, {
      token,
      body: { name: 'explain-policy', rules: [{ id: 'staff', effect: 'allow', when: { emails: ['@example.com'] } }] },
    });
    const guarded = await created(httpResource('guarded', 'guarded.example.com', { policyId: policy.body.id }));
    const closed = await created(httpResource('closed', 'closed.example.com'));
    const open = await created(httpResource('open', 'open.example.com', { options: { public: true } }));
    const request = { sourceIp: '203.0.113.9', method: 'GET', path: '/' };
    const alice = { ...request, user: { id: 'u1', email: 'alice@example.com', roles: [] }, authMethod: 'password' };
    const explain = (id: string, body: unknown) => t.request('POST', `${base}/${id}/explain`, { token, body });

    const allowed = await explain(guarded.id, alice);
    expect(allowed.status).toBe(200);
    expect(allowed.body.decision).toEqual({ allowed: true, reason: 'allowed_by_rule', ruleId: 'staff' });
    expect((await explain(guarded.id, request)).body.decision).toMatchObject({
      allowed: false,
      reason: 'unauthenticated',
    });
    expect((await explain(closed.id, alice)).body.decision).toMatchObject({
      allowed: false,
      reason: 'no_matching_allow',
    });
    expect((await explain(open.id, request)).body.decision).toMatchObject({ allowed: true, reason: 'public' });
  });

  it('refuses callers without the permission, and outsiders', async () => {
    const { token: viewerToken } = await t.newMember(['viewer'], { email: 'viewer@example.com' });
    expect((await t.request('GET', base, { token: viewerToken })).status).toBe(200);
    const res = await create(httpResource('nope', 'nope.example.com'), viewerToken);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ERR_FORBIDDEN');
    expect((await t.request('GET', base)).status).toBe(401);
    expect((await t.request('GET', `/api/v1/orgs/${orgId}/resources`, { token: other.token })).status).toBe(404);
  });

  describe('garbage gets a 4xx problem, never a 500', () => {
    const huge = 'x'.repeat(100_000);
    const bodies: Array<[string, unknown]> = [
      ['host with a space', httpResource('g', 'exa mple.com')],
      ['host with a scheme', httpResource('g', 'http://x')],
      ['host with a port', httpResource('g', 'x:80')],
      ['host that is a path', httpResource('g', '../')],
      ['host with a path', httpResource('g', 'x.example.com/admin')],
      ['IP address host', httpResource('g', '127.0.0.1')],
      ['wildcard host', httpResource('g', '*.example.com')],
      ['huge host', httpResource('g', huge)],
      ['SQL in host', httpResource('g', "x'; DROP TABLE resources;--")],
      ['dot-dot prefix', httpResource('g', 'g.example.com', { pathPrefix: '/a/../b' })],
      ['double slash prefix', httpResource('g', 'g.example.com', { pathPrefix: '//a' })],
      ['encoded slash prefix', httpResource('g', 'g.example.com', { pathPrefix: '/a%2fb' })],
      ['relative prefix', httpResource('g', 'g.example.com', { pathPrefix: 'a' })],
      ['huge prefix', httpResource('g', 'g.example.com', { pathPrefix: `/${huge}` })],
      ['huge name', httpResource(huge, 'g.example.com')],
      ['empty name', httpResource('  ', 'g.example.com')],
      ['unknown kind', { ...httpResource('g', 'g.example.com'), kind: 'udp' }],
      ['no kind', { name: 'g', host: 'g.example.com', targets: [{ url: 'http://x' }] }],
      ['unknown field', httpResource('g', 'g.example.com', { admin: true })],
      ['unknown option', httpResource('g', 'g.example.com', { options: { websocket: true } })],
      ['wrong option type', httpResource('g', 'g.example.com', { options: { public: 'yes' } })],
      ['port on http', httpResource('g', 'g.example.com', { port: 80 })],
      ['no targets', httpResource('g', 'g.example.com', { targets: [] })],
      ['targets not an array', httpResource('g', 'g.example.com', { targets: { url: 'http://x' } })],
      ['ftp target', httpResource('g', 'g.example.com', { targets: [{ url: 'ftp://x' }] })],
      ['tcp targets on http', httpResource('g', 'g.example.com', { targets: [{ host: 'x', port: 1 }] })],
      ['string port', tcpResource('g', '5432' as unknown as number)],
      ['negative port', tcpResource('g', -1)],
      ['huge port', tcpResource('g', 1e12)],
      ['fractional port', tcpResource('g', 22.5)],
      ['tcp target with a bad host', tcpResource('g', 22, { targets: [{ host: 'a b', port: 1 }] })],
      ['policy id not a uuid', httpResource('g', 'g.example.com', { policyId: "1' OR '1'='1" })],
      ['enabled as a string', httpResource('g', 'g.example.com', { enabled: 'true' })],
      [
        'huge rate',
        httpResource('g', 'g.example.com', { options: { rateLimit: { requestsPerSecond: 1e308, burst: 1 } } }),
      ],
      ['timeout a timer overflows', httpResource('g', 'g.example.com', { options: { timeouts: { idleMs: 2 ** 40 } } })],
      ['NUL in an option', httpResource('g', 'g.example.com', { options: { cors: { allowOrigins: ['a\u0000'] } } })],
      ['null', null],
      ['array', [httpResource('g', 'g.example.com')]],
      ['number', 42],
      ['malformed JSON', '{"name": "g", '],
    ];
    it.each(bodies)('POST: %s', async (_, body) => {
      const res = await create(body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      problemOf(res);
      expect(res.body.code).toMatch(/^ERR_/);
    });

    it('host problems name the field', async () => {
      const res = await create(httpResource('g', 'x:80'));
      expect(res.body.errors).toEqual([{ field: 'body.host', message: 'must be a host name without a port' }]);
    });

    it.each([
      ['unknown field', { nope: 1 }],
      ['kind change', { kind: 'tcp' }],
      ['bad host', { host: 'exa mple.com' }],
      ['bad prefix', { pathPrefix: '/../' }],
      ['bad policy id', { policyId: 'x' }],
      ['wrong type', { enabled: 1 }],
      ['array', []],
    ])('PATCH: %s', async (_, body) => {
      const target = await t.request('GET', `${base}?limit=1`, { token });
      const res = await t.request('PATCH', `${base}/${target.body.items[0].id}`, { token, body });
      expect(res.status).toBe(400);
      problemOf(res);
    });

    it.each([
      'limit=0',
      'limit=201',
      'limit=-5',
      'limit=abc',
      'kind=udp',
      'siteId=nope',
      `policyId=${encodeURIComponent("' OR 1=1 --")}`,
      `q=${'x'.repeat(201)}`,
      'cursor=garbage',
      `cursor=${'A'.repeat(300)}`,
      'unknown=1',
    ])('GET ?%s', async (query) => {
      const res = await t.request('GET', `${base}?${query}`, { token });
      expect(res.status).toBe(400);
      problemOf(res);
    });

    it('ids that are not UUIDs are 400, unknown ones 404', async () => {
      expect((await t.request('GET', `${base}/not-a-uuid`, { token })).status).toBe(400);
      expect((await t.request('GET', `${base}/0190a5e0-0000-7000-8000-000000000000`, { token })).status).toBe(404);
    });

    it('a body over 1 MiB is 413', async () => {
      const res = await create(httpResource('g', 'g.example.com', { name: 'x'.repeat(1_100_000) }));
      expect(res.status).toBe(413);
    });

    it('explain: garbage context is 400', async () => {
      const target = await t.request('GET', `${base}?limit=1`, { token });
      const url = `${base}/${target.body.items[0].id}/explain`;
      for (const body of [
        {},
        { sourceIp: 'nope' },
        { sourceIp: '10.0.0.1', path: 'relative' },
        { sourceIp: '10.0.0.1', path: '/a/../b' },
        { sourceIp: '10.0.0.1', time: 'yesterday' },
        { sourceIp: '10.0.0.1', user: { id: 'u', email: 'not-an-email', roles: [] } },
        { sourceIp: '10.0.0.1', extra: true },
      ]) {
        const res = await t.request('POST', url, { token, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    });
  });
});
