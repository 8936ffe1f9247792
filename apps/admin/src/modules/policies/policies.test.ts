import { auditEvents, users } from '@rustronaut/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemsOf, problemOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';

const STAFF_RULES = [
  { id: 'block-contractors', effect: 'deny', when: { emails: ['@contractor.example'] } },
  { id: 'health', effect: 'bypass', when: { paths: ['/health'] } },
  {
    id: 'staff-office-hours',
    effect: 'allow',
    description: 'staff, from the office network, on weekdays',
    when: {
      roles: ['staff'],
      sourceCidrs: ['10.0.0.0/8', '2001:db8::/32'],
      schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00', timeZone: 'Europe/Berlin' },
    },
  },
  { id: 'admins-with-mfa', effect: 'allow', when: { roles: ['admin'], requireSecondFactor: true } },
];

describe.each(testDrivers())('[$name] policies API', (driver) => {
  let t: TestAdmin;
  let token: string;
  let orgId: string;
  let base: string;
  let other: { token: string; orgId: string; policyId: string };

  const create = (body: unknown) => t.request('POST', base, { token, body });
  const created = (body: unknown) => t.created(base, { token, body });

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    token = await t.login(t.owner.email, t.owner.password);
    orgId = t.owner.orgId;
    base = `/api/v1/orgs/${orgId}/policies`;
    const bob = await t.otherOrg();
    const policy = await t.created(`/api/v1/orgs/${bob.orgId}/policies`, {
      token: bob.token,
      body: { name: 'bob-policy', rules: [] },
    });
    other = { token: bob.token, orgId: bob.orgId, policyId: policy.id };
  });
  afterAll(() => t.close());

  it('creates a policy whose rules the engine compiles, audited, and bumps the config version', async () => {
    const before = await t.configVersion(orgId);
    const res = await create({ name: 'staff', description: 'who may reach the wiki', rules: STAFF_RULES });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ orgId, name: 'staff', description: 'who may reach the wiki', rules: STAFF_RULES });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    const [event] = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'policy.create'), eq(auditEvents.targetId, res.body.id as string)));
    expect(event).toMatchObject({ orgId, actorId: t.owner.userId, targetType: 'policy' });
    expect((await t.request('GET', `${base}/${res.body.id}`, { token })).body).toEqual(res.body);
  });

  it('refuses a bad rule with ERR_POLICY_INVALID naming the exact value, and stores nothing', async () => {
    const before = await t.configVersion(orgId);
    const rules = [
      { id: 'a', effect: 'allow', when: {} },
      { id: 'b', effect: 'allow', when: { emails: ['alice@example.com', 'not an email'] } },
    ];
    const res = await create({ name: 'broken', rules });
    expect(res.status).toBe(400);
    problemOf(res);
    expect(res.body.code).toBe('ERR_POLICY_INVALID');
    expect(res.body.detail).toMatch(/^rules\[1\]\.when\.emails\[1\]: /);
    expect(res.body.errors).toEqual([{ field: 'body.rules[1].when.emails[1]', message: res.body.detail }]);
    expect(await t.configVersion(orgId)).toBe(before);
    const list = await t.request('GET', base, { token });
    expect(itemsOf(list).map((p) => p.name)).not.toContain('broken');
  });

  it.each([
    ['unknown criterion', [{ id: 'a', effect: 'allow', when: { email: ['x@example.com'] } }], 'rules[0].when.email'],
    [
      'bad CIDR',
      [{ id: 'a', effect: 'allow', when: { sourceCidrs: ['10.0.0.0/33'] } }],
      'rules[0].when.sourceCidrs[0]',
    ],
    ['bad effect', [{ id: 'a', effect: 'maybe', when: {} }], 'rules[0].effect'],
    [
      'duplicate ids',
      [
        { id: 'a', effect: 'allow', when: {} },
        { id: 'a', effect: 'deny', when: {} },
      ],
      'rules[1].id',
    ],
    ['no when', [{ id: 'a', effect: 'allow' }], 'rules[0].when'],
    ['bypass without paths', [{ id: 'a', effect: 'bypass', when: { methods: ['GET'] } }], 'rules[0].when.paths'],
    [
      'bypass with identity',
      [{ id: 'a', effect: 'bypass', when: { paths: ['/x'], roles: ['r'] } }],
      'rules[0].when.roles',
    ],
    [
      'bad time zone',
      [
        {
          id: 'a',
          effect: 'allow',
          when: { schedule: { days: ['mon'], from: '08:00', to: '09:00', timeZone: 'Mars/Olympus' } },
        },
      ],
      'rules[0].when.schedule.timeZone',
    ],
    ['rule not an object', [null], 'rules[0]'],
    ['rule a string', ['allow everyone'], 'rules[0]'],
  ])('refuses %s', async (_, rules, field) => {
    const res = await create({ name: 'bad', rules });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_POLICY_INVALID');
    expect(res.body.errors[0].field).toBe(`body.${field}`);
  });

  it('updates name, description and rules; bad rules are refused without a change', async () => {
    const policy = await created({ name: 'editable', rules: [] });
    const before = await t.configVersion(orgId);
    const res = await t.request('PATCH', `${base}/${policy.id}`, {
      token,
      body: { name: 'edited', rules: [{ id: 'all', effect: 'allow', when: {} }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'edited',
      description: '',
      rules: [{ id: 'all', effect: 'allow', when: {} }],
    });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    const bad = await t.request('PATCH', `${base}/${policy.id}`, {
      token,
      body: { rules: [{ id: 'all', effect: 'allow', when: { methods: ['GET POST'] } }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.rules[0].when.methods[0]');
    expect((await t.request('GET', `${base}/${policy.id}`, { token })).body.rules).toEqual([
      { id: 'all', effect: 'allow', when: {} },
    ]);
    const taken = await t.request('PATCH', `${base}/${policy.id}`, { token, body: { name: 'staff' } });
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toBe('a policy with this name exists in this organisation');
    expect(await t.configVersion(orgId)).toBe(before + 1);
  });

  it('deletes an unused policy, audited; 404 afterwards', async () => {
    const policy = await created({ name: 'doomed', rules: [] });
    const before = await t.configVersion(orgId);
    expect((await t.request('DELETE', `${base}/${policy.id}`, { token })).status).toBe(204);
    expect(await t.configVersion(orgId)).toBe(before + 1);
    expect((await t.request('GET', `${base}/${policy.id}`, { token })).status).toBe(404);
    expect((await t.request('DELETE', `${base}/${policy.id}`, { token })).status).toBe(404);
    const events = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.targetId, policy.id));
    expect(events.map((e) => e.action)).toEqual(['policy.create', 'policy.delete']);
  });

  it('refuses to delete a policy a resource uses', async () => {
    const policy = await created({ name: 'in-use', rules: [] });
    const resource = await t.request('POST', `/api/v1/orgs/${orgId}/resources`, {
      token,
      body: {
        name: 'wiki',
        kind: 'http',
        host: 'wiki.example.com',
        targets: [{ url: 'http://10.0.0.1' }],
        policyId: policy.id,
      },
    });
    expect(resource.status).toBe(201);
    const res = await t.request('DELETE', `${base}/${policy.id}`, { token });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'ERR_CONFLICT', detail: expect.stringMatching(/used by 1 resource;/) });
    expect((await t.request('GET', `${base}/${policy.id}`, { token })).status).toBe(200);
  });

  it("answers 404 for another organisation's policy, on every route", async () => {
    const theirs = `${base}/${other.policyId}`;
    expect((await t.request('GET', theirs, { token })).status).toBe(404);
    expect((await t.request('PATCH', theirs, { token, body: { name: 'mine' } })).status).toBe(404);
    expect((await t.request('DELETE', theirs, { token })).status).toBe(404);
    expect((await t.request('POST', `${theirs}/explain`, { token, body: { sourceIp: '10.0.0.1' } })).status).toBe(404);
    expect((await t.request('GET', `/api/v1/orgs/${other.orgId}/policies`, { token })).status).toBe(404);
  });

  it('lists policies in pages', async () => {
    const first = await t.request('GET', `${base}?limit=2`, { token });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const rest = await t.request('GET', `${base}?limit=200&cursor=${first.body.nextCursor}`, { token });
    const ids = [...itemsOf(first), ...itemsOf(rest)].map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(rest.body.nextCursor).toBeNull();
  });

  describe('explain', () => {
    let explainUrl: string;
    beforeAll(async () => {
      const policy = await created({ name: 'explained', rules: STAFF_RULES });
      explainUrl = `${base}/${policy.id}/explain`;
    });
    const staff = { id: 'u1', email: 'alice@example.com', roles: ['staff'] };
    // A Wednesday, 10:00 in Berlin.
    const officeHours = '2026-06-03T08:00:00Z';

    it('allows staff from the office during office hours, naming the rule and every criterion', async () => {
      const res = await t.request('POST', explainUrl, {
        token,
        body: {
          user: staff,
          authMethod: 'password',
          sourceIp: '10.1.2.3',
          method: 'get',
          path: '/wiki',
          time: officeHours,
        },
      });
      expect(res.status).toBe(200);
      expect(res.body.decision).toEqual({ allowed: true, reason: 'allowed_by_rule', ruleId: 'staff-office-hours' });
      expect(res.body.summary).toBe('allowed by rule "staff-office-hours"');
      expect((res.body.rules as Array<{ id: string; matched: boolean }>).map((r) => [r.id, r.matched])).toEqual([
        ['block-contractors', false],
        ['health', false],
        ['staff-office-hours', true],
        ['admins-with-mfa', false],
      ]);
      const rule = res.body.rules[2];
      expect((rule.criteria as Array<{ criterion: string }>).map((c) => c.criterion)).toEqual([
        'roles',
        'sourceCidrs',
        'schedule',
      ]);
    });

    it('denies outside the window, from elsewhere, contractors, and anonymous users', async () => {
      const ask = async (body: Record<string, unknown>) => {
        const res = await t.request('POST', explainUrl, { token, body });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.decision as unknown;
      };
      const base = { user: staff, sourceIp: '10.1.2.3', time: officeHours };
      expect(await ask({ ...base, time: '2026-06-06T08:00:00Z' })).toEqual({
        allowed: false,
        reason: 'no_matching_allow',
      });
      expect(await ask({ ...base, sourceIp: '203.0.113.9' })).toMatchObject({ allowed: false });
      expect(await ask({ ...base, user: { ...staff, email: 'eve@contractor.example' } })).toEqual({
        allowed: false,
        reason: 'denied_by_rule',
        ruleId: 'block-contractors',
      });
      expect(await ask({ sourceIp: '10.1.2.3', time: officeHours })).toMatchObject({ reason: 'unauthenticated' });
      expect(await ask({ sourceIp: '203.0.113.9', path: '/health' })).toMatchObject({
        allowed: true,
        reason: 'bypass',
      });
      const admin = {
        ...base,
        sourceIp: '203.0.113.9',
        user: { id: 'u2', email: 'root@example.com', roles: ['admin'] },
      };
      expect(await ask(admin)).toMatchObject({ allowed: false });
      expect(await ask({ ...admin, secondFactor: true })).toMatchObject({ allowed: true, ruleId: 'admins-with-mfa' });
      expect(await ask({ ...base, sourceIp: '2001:db8::1' })).toMatchObject({ allowed: true });
    });

    it('needs policy:read, which a viewer holds', async () => {
      const { userId: viewerId, token: viewer } = await t.newMember(['viewer'], { email: 'viewer@example.com' });
      const res = await t.request('POST', explainUrl, { token: viewer, body: { sourceIp: '10.0.0.1' } });
      expect(res.status).toBe(200);
      expect((await t.request('POST', base, { token: viewer, body: { name: 'x', rules: [] } })).status).toBe(403);
      const [row] = await t.ctx.db.select().from(users).where(eq(users.id, viewerId));
      expect(row?.email).toBe('viewer@example.com');
    });

    it.each([
      ['no source address', {}],
      ['bad source address', { sourceIp: '10.0.0.300' }],
      ['relative path', { sourceIp: '10.0.0.1', path: 'wiki' }],
      ['dot-segments', { sourceIp: '10.0.0.1', path: '/public/../private' }],
      ['encoded dot-segments', { sourceIp: '10.0.0.1', path: '/public/%2e%2e/private' }],
      ['bad method', { sourceIp: '10.0.0.1', method: 'GET /' }],
      ['bad time', { sourceIp: '10.0.0.1', time: 'tomorrow' }],
      ['bad auth method', { sourceIp: '10.0.0.1', authMethod: 'magic' }],
      ['bad email', { sourceIp: '10.0.0.1', user: { id: 'u', email: 'a@b@c', roles: [] } }],
      ['roles not a list', { sourceIp: '10.0.0.1', user: { id: 'u', email: 'a@example.com', roles: 'admin' } }],
      ['bad fingerprint', { sourceIp: '10.0.0.1', device: { fingerprint: 'AB' } }],
      ['unknown field', { sourceIp: '10.0.0.1', admin: true }],
      ['array', [{ sourceIp: '10.0.0.1' }]],
    ])('refuses a garbage context: %s', async (_, body) => {
      const res = await t.request('POST', explainUrl, { token, body });
      expect(res.status).toBe(400);
      problemOf(res);
      expect(res.body.code).toBe('ERR_VALIDATION');
    });

    it('names the path field when the engine refuses a path that is not normalized', async () => {
      const res = await t.request('POST', explainUrl, { token, body: { sourceIp: '10.0.0.1', path: '/a/./b' } });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'body.path', message: 'path must be a normalized absolute path' }]);
    });
  });

  describe('garbage gets a 4xx problem, never a 500', () => {
    it.each([
      ['rules not an array', { name: 'g', rules: { id: 'a' } }],
      ['no rules', { name: 'g' }],
      [
        'too many rules',
        {
          name: 'g',
          rules: Array.from({ length: 501 }, (_, i) => ({ id: `r${String(i)}`, effect: 'allow', when: {} })),
        },
      ],
      ['huge name', { name: 'x'.repeat(100_000), rules: [] }],
      ['huge description', { name: 'g', description: 'x'.repeat(1001), rules: [] }],
      ['NUL in the description', { name: 'g', description: 'a\u0000b', rules: [] }],
      [
        'huge string in a rule',
        { name: 'g', rules: [{ id: 'a', effect: 'allow', when: { emails: ['x'.repeat(3000)] } }] },
      ],
      ['NUL in a rule', { name: 'g', rules: [{ id: 'a', effect: 'allow', description: 'a\u0000', when: {} }] }],
      ['control character in the name', { name: 'a\u0007', rules: [] }],
      ['unknown field', { name: 'g', rules: [], public: true }],
      ['SQL in the name', { name: "g'); DROP TABLE policies; --", rules: [{ id: "'; --", effect: 'deny', when: {} }] }],
      ['wrong types', { name: 42, rules: 'all' }],
      ['null', null],
      ['malformed JSON', '{"name": '],
    ])('POST: %s', async (label, body) => {
      const res = await create(body);
      if (label === 'SQL in the name') {
        // Not garbage to SQL: stored as text, and removed again.
        expect(res.status).toBe(201);
        expect(res.body.name).toBe("g'); DROP TABLE policies; --");
        expect((await t.request('DELETE', `${base}/${res.body.id}`, { token })).status).toBe(204);
        return;
      }
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      problemOf(res);
    });

    it.each(['limit=0', 'limit=x', 'cursor=%27', 'extra=1'])('GET ?%s', async (query) => {
      const res = await t.request('GET', `${base}?${query}`, { token });
      expect(res.status).toBe(400);
    });

    it('ids that are not UUIDs are 400', async () => {
      expect((await t.request('GET', `${base}/1%20OR%201=1`, { token })).status).toBe(400);
      expect((await t.request('PATCH', `${base}/x`, { token, body: {} })).status).toBe(400);
    });
  });
});
