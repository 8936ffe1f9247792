import { auditEvents, newId } from '@rustronaut/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, appendManyEvents, tamper } from '../../../test/audit.js';
import { problemOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';
import { GENESIS_HASH, hashAuditEvent } from '../../audit/audit-hash.js';
import { recordAudit } from '../../audit/record-audit.js';
import { exportAuditEvents } from './service.js';

interface EventView {
  id: string;
  orgId: string | null;
  seq: number;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string | null; id: string | null } | null;
  ip: string | null;
  data: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

/** Recomputes an event's hash from its API view: what someone verifying an export offline does. */
const rehash = (e: EventView): string =>
  hashAuditEvent({
    id: e.id,
    chain: e.orgId ?? 'instance',
    seq: e.seq,
    orgId: e.orgId,
    at: new Date(e.at),
    actorType: e.actor.type,
    actorId: e.actor.id,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    ip: e.ip,
    data: e.data,
    prevHash: e.prevHash,
  });

const parseNdjson = (text: string): EventView[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as EventView);

describe.each(testDrivers())('[$name] audit API', (driver) => {
  let t: TestAdmin;
  let token: string;
  let orgA: string;
  /** Org B belongs to another user; its events must never show in org A. */
  let orgB: string;
  let otherToken: string;
  let bEventIds: Set<string>;
  const base = () => `/api/v1/orgs/${orgA}/audit`;

  /** Every page of `query`, following the cursors. */
  async function listAll(query: string, limit = 200): Promise<EventView[]> {
    const items: EventView[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.request(
        'GET',
        `${base()}?limit=${String(limit)}${query}${cursor === null ? '' : `&cursor=${cursor}`}`,
        { token },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      items.push(...(res.body.items as EventView[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor !== null);
    return items;
  }

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    orgA = t.owner.orgId;
    token = await t.login(t.owner.email, t.owner.password);
    for (const name of ['First', 'Second', 'Third']) {
      const res = await t.request('PATCH', `/api/v1/orgs/${orgA}`, { token, body: { name } });
      expect(res.status).toBe(200);
    }
    await t.ctx.db.transaction((tx) =>
      recordAudit(tx, {
        orgId: orgA,
        actor: { type: 'api_key', id: 'key-1' },
        action: 'gateway.create',
        targetType: 'gateway',
        targetId: 'gw-1',
        ip: '198.51.100.7',
        data: { name: 'edge' },
      }),
    );
    await t.ctx.db.transaction((tx) =>
      recordAudit(tx, {
        orgId: orgA,
        actor: { type: 'agent', id: 'gw-1' },
        action: 'gateway.enrol',
        targetType: 'gateway',
        targetId: 'gw-1',
        data: {},
      }),
    );
    const other = await t.otherOrg({ email: 'other@example.com', name: 'Other', slug: 'other' });
    otherToken = other.token;
    orgB = other.orgId;
    await t.request('PATCH', `/api/v1/orgs/${orgB}`, { token: otherToken, body: { name: 'Other 2' } });
    await appendEvents(t.ctx.db, orgB, 2, { action: 'org.update', actor: { type: 'user', id: other.userId } });
    const bRows = await t.ctx.db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.orgId, orgB));
    bEventIds = new Set(bRows.map((r) => r.id));
    expect(bEventIds.size).toBe(4);
  });
  afterAll(() => t.close());

  it('lists the org’s events newest first, each with the fields its hash covers', async () => {
    const res = await t.request('GET', base(), { token });
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const items = res.body.items as EventView[];
    // org.create (first start), three renames, two written directly; sign-ins are outside any org.
    expect(items.map((e) => e.action)).toEqual([
      'gateway.enrol',
      'gateway.create',
      'org.update',
      'org.update',
      'org.update',
      'org.create',
    ]);
    expect(items.map((e) => e.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(items[3]).toEqual({
      id: expect.any(String),
      orgId: orgA,
      seq: 3,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor: { type: 'user', id: t.owner.userId },
      action: 'org.update',
      target: { type: 'org', id: orgA },
      ip: '127.0.0.1',
      data: { name: 'Second' },
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      prevHash: items[4]?.hash,
    });
    expect(items[5]?.prevHash).toBe(GENESIS_HASH);
    expect(items[1]).toMatchObject({ actor: { type: 'api_key', id: 'key-1' }, ip: '198.51.100.7' });
    for (const item of items) expect(rehash(item)).toBe(item.hash);
  });

  it('pages newest first with the cursor, without repeats or gaps', async () => {
    const all = await listAll('');
    const paged = await listAll('', 2);
    expect(paged).toEqual(all);
    expect(all.length).toBe(6);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort().reverse());
    const first = await t.request('GET', `${base()}?limit=2`, { token });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
  });

  it.each([
    ['action=org.update', ['org.update', 'org.update', 'org.update']],
    ['action=gateway.*', ['gateway.enrol', 'gateway.create']],
    ['action=org.*', ['org.update', 'org.update', 'org.update', 'org.create']],
    ['action=*', ['gateway.enrol', 'gateway.create', 'org.update', 'org.update', 'org.update', 'org.create']],
    ['action=org', []],
    ['action=o_g.*', []],
    ['action=gate*', ['gateway.enrol', 'gateway.create']],
    ['actorType=api_key', ['gateway.create']],
    ['actorType=agent', ['gateway.enrol']],
    ['actorId=key-1', ['gateway.create']],
    ['targetType=gateway', ['gateway.enrol', 'gateway.create']],
    ['targetType=org&action=org.create', ['org.create']],
    ['targetId=gw-1&actorType=agent', ['gateway.enrol']],
    ['targetId=nothing', []],
    [`actorId=${encodeURIComponent("' OR 1=1 --")}`, []],
    [`targetId=${encodeURIComponent('%')}`, []],
  ])('filters by %s', async (query, actions) => {
    expect((await listAll(`&${query}`)).map((e) => e.action)).toEqual(actions);
    expect((await listAll(`&${query}`, 1)).map((e) => e.action)).toEqual(actions);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const all = await listAll('');
    const third = all[3];
    if (third === undefined) throw new Error('too few events');
    const from = await listAll(`&from=${encodeURIComponent(third.at)}`);
    expect(from.every((e) => e.at >= third.at)).toBe(true);
    expect(from.map((e) => e.id)).toContain(third.id);
    const to = await listAll(`&to=${encodeURIComponent(third.at)}`);
    expect(to.every((e) => e.at < third.at)).toBe(true);
    expect([...from, ...to].map((e) => e.id).sort()).toEqual(all.map((e) => e.id).sort());
    const offset = new Date(Date.parse(third.at) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect(await listAll(`&from=${encodeURIComponent(offset)}`)).toEqual(from);
    expect(await listAll('&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).toEqual([]);
  });

  it('never shows another org’s events, and answers 404 for another org’s log', async () => {
    const all = await listAll('');
    expect(all.every((e) => e.orgId === orgA && !bEventIds.has(e.id))).toBe(true);
    const exported = parseNdjson((await t.request('GET', `${base()}/export`, { token })).body as string);
    expect(exported.every((e) => e.orgId === orgA && !bEventIds.has(e.id))).toBe(true);
    for (const path of ['', '/export', '/verify']) {
      const theirs = await t.request('GET', `/api/v1/orgs/${orgB}/audit${path}`, { token });
      expect(theirs.status).toBe(404);
      expect(theirs.body.code).toBe('ERR_NOT_FOUND');
      const ours = await t.request('GET', `${base()}${path}`, { token: otherToken });
      expect(ours.status).toBe(404);
    }
    const own = await t.request('GET', `/api/v1/orgs/${orgB}/audit?limit=200`, { token: otherToken });
    expect((own.body.items as EventView[]).map((e) => e.id).sort()).toEqual([...bEventIds].sort());
  });

  it('needs audit:read: 401 without credentials, 403 for an operator, 200 for a viewer', async () => {
    for (const path of ['', '/export', '/verify']) {
      const res = await t.request('GET', `${base()}${path}`);
      expect(res.status).toBe(401);
    }
    const { token: operator } = await t.newMember(['operator'], { email: 'operator@example.com' });
    const { token: viewer } = await t.newMember(['viewer'], { email: 'viewer@example.com' });
    for (const path of ['', '/export', '/verify']) {
      const refused = await t.request('GET', `${base()}${path}`, { token: operator });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('ERR_FORBIDDEN');
      expect((await t.request('GET', `${base()}${path}`, { token: viewer })).status).toBe(200);
    }
  });

  it('exports matching events as NDJSON, oldest first, as a download', async () => {
    const res = await t.request('GET', `${base()}/export?action=org.*`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="audit-${orgA}-\\d{8}T\\d{6}Z\\.ndjson"$`),
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = res.body as string;
    expect(text.endsWith('\n')).toBe(true);
    const lines = parseNdjson(text);
    expect(lines).toEqual((await listAll('&action=org.*')).reverse());
    expect(lines.map((e) => e.action)).toEqual(['org.create', 'org.update', 'org.update', 'org.update']);

    const empty = await t.request('GET', `${base()}/export?targetId=none`, { token });
    expect(empty.status).toBe(200);
    expect(empty.body).toBeUndefined();
  });

  it('streams exports larger than a page, and the export verifies offline', async () => {
    await appendManyEvents(t.ctx.db, orgA, 2100);
    const res = await t.request('GET', `${base()}/export`, { token });
    expect(res.status).toBe(200);
    const lines = parseNdjson(res.body as string);
    expect(lines.length).toBe(6 + 2100);
    expect(lines.map((e) => e.seq)).toEqual(lines.map((_, i) => i + 1));
    let prev = GENESIS_HASH;
    for (const e of lines) {
      expect(e.prevHash).toBe(prev);
      expect(rehash(e)).toBe(e.hash);
      prev = e.hash;
    }
    const bulk = await t.request('GET', `${base()}/export?action=test.bulk&from=2000-01-01T00:00:00Z`, { token });
    expect(parseNdjson(bulk.body as string)).toHaveLength(2100);
  });

  it('reads the export a page at a time, and stops reading when the reader stops', async () => {
    const conditions = [sql`${auditEvents.orgId} = ${orgA}`, sql`${auditEvents.action} like 'org.%'`];
    const small: string[] = [];
    for await (const row of exportAuditEvents(t.ctx.db, conditions, 1)) small.push(row.action);
    expect(small).toEqual(['org.create', 'org.update', 'org.update', 'org.update']);
    const rows = exportAuditEvents(t.ctx.db, conditions, 2);
    expect((await rows.next()).value).toMatchObject({ action: 'org.create' });
    await rows.return();
    expect((await rows.next()).done).toBe(true);
  });

  it.each(
    [
      ['limit=0', 'querystring.limit'],
      ['limit=201', 'querystring.limit'],
      ['limit=abc', 'querystring.limit'],
      ['limit=-1', 'querystring.limit'],
      ['limit=1e400', 'querystring.limit'],
      ['cursor=not-a-cursor', 'querystring.cursor'],
      [`cursor=${'A'.repeat(300)}`, 'querystring.cursor'],
      ['unknown=1', 'querystring'],
      ['actorType=root', 'querystring.actorType'],
      ['action=a*b', 'querystring.action'],
      ['action=', 'querystring.action'],
      ['action=**', 'querystring.action'],
      [`action=${encodeURIComponent("org.update' OR '1'='1")}`, 'querystring.action'],
      [`action=${'a'.repeat(101)}`, 'querystring.action'],
      ['actorId=', 'querystring.actorId'],
      [`actorId=${'x'.repeat(201)}`, 'querystring.actorId'],
      [`targetType=${'x'.repeat(101)}`, 'querystring.targetType'],
      [`targetId=${'x'.repeat(10_000)}`, 'querystring.targetId'],
      ['from=yesterday', 'querystring.from'],
      ['from=2024-13-01T00:00:00Z', 'querystring.from'],
      ['to=1700000000', 'querystring.to'],
      ['from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'querystring.to'],
      ['actorType=user&actorType=agent', 'querystring.actorType'],
    ].map(([query = '', field = '']) => [
      query.length > 60 ? `${query.slice(0, 30)}… (${String(query.length)} chars)` : query,
      query,
      field,
    ]),
  )('answers 400 naming the field for %s', async (_label, query, field) => {
    for (const path of ['', '/export']) {
      if (path === '/export' && /^(limit|cursor)=/.test(query)) continue;
      const res = await t.request('GET', `${base()}${path}?${query}`, { token });
      expect(res.status, `${path}?${query}`).toBe(400);
      expect(problemOf(res).code).toBe('ERR_VALIDATION');
      expect((res.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    }
  });

  it('refuses unknown query fields on verify and export, and ids that are not UUIDs', async () => {
    expect((await t.request('GET', `${base()}/verify?org=x`, { token })).status).toBe(400);
    expect((await t.request('GET', `${base()}/export?limit=5`, { token })).status).toBe(400);
    for (const id of ['nope', "1' OR '1'='1", newId().toUpperCase().replace(/-/g, '')]) {
      const res = await t.request('GET', `/api/v1/orgs/${encodeURIComponent(id)}/audit`, { token });
      expect(res.status).toBe(404);
    }
  });

  it('verifies the org’s chain, and names an event changed with SQL', async () => {
    const intact = await t.request('GET', `${base()}/verify`, { token });
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ ok: true, chainsChecked: 1, eventsChecked: 6 + 2100, problems: [] });
    expect(intact.body.chains).toEqual([
      { chain: orgA, events: 2106, headSeq: 2106, headHash: expect.stringMatching(/^[0-9a-f]{64}$/), ok: true },
    ]);

    const [renamed] = await listAll('&action=org.update', 1);
    if (renamed === undefined) throw new Error('no event');
    await tamper(t.ctx.db, sql`UPDATE audit_events SET data = '{"name":"Innocent"}'::jsonb WHERE id = ${renamed.id}`);
    const res = await t.request('GET', `${base()}/verify`, { token });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.problems).toEqual([
      {
        chain: orgA,
        eventId: renamed.id,
        seq: renamed.seq,
        action: 'org.update',
        kind: 'changed',
        message: 'hash does not match its contents (changed)',
      },
    ]);
    // The changed row still shows, as it now reads; verification is what flags it.
    const shown = (await listAll('&action=org.update')).find((e) => e.id === renamed.id);
    expect(shown?.data).toEqual({ name: 'Innocent' });

    const theirs = await t.request('GET', `/api/v1/orgs/${orgB}/audit/verify`, { token: otherToken });
    expect(theirs.body).toMatchObject({ ok: true, chainsChecked: 1, eventsChecked: 4 });
  });
});
