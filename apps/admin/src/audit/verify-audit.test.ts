import { auditChains, auditEvents, newId, type Database } from '@rustronaut/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, appendManyEvents, errorText, tamper, type AuditRow } from '../../test/audit.js';
import { testDrivers } from '../../test/harness.js';
import { hashAuditEvent } from './audit-hash.js';
import { verifyAuditChains } from './verify-audit.js';

const at = (rows: AuditRow[], seq: number): AuditRow => {
  const row = rows.find((r) => r.seq === seq);
  if (row === undefined) throw new Error(`no seq ${String(seq)}`);
  return row;
};

describe.each(testDrivers())('[$name] audit chain verification', (driver) => {
  let opened: { database: Database; drop(): Promise<void> };
  let database: Database;
  /** Chains broken by the tests below, checked together at the end. */
  const broken: string[] = [];
  beforeAll(async () => {
    opened = await driver.open();
    database = opened.database;
  });
  afterAll(() => opened.drop());

  it('finds intact chains intact: every chain, or one org', async () => {
    const orgA = newId();
    const orgB = newId();
    await appendEvents(database.db, orgA, 5);
    await appendEvents(database.db, orgB, 3, { actor: { type: 'user', id: newId() }, ip: '203.0.113.9' });
    await appendEvents(database.db, null, 2, { targetType: undefined, targetId: undefined, data: {} });

    const all = await verifyAuditChains(database.db);
    expect(all).toMatchObject({ ok: true, chainsChecked: 3, eventsChecked: 10, problems: [] });
    expect(all.chains.map((c) => c.chain).sort()).toEqual([orgA, orgB, 'instance'].sort());
    const [head] = await database.db.select().from(auditChains).where(eq(auditChains.chain, orgA));
    expect(all.chains.find((c) => c.chain === orgA)).toEqual({
      chain: orgA,
      events: 5,
      headSeq: 5,
      headHash: head?.headHash,
      ok: true,
    });

    expect(await verifyAuditChains(database.db, { orgId: orgB })).toMatchObject({
      ok: true,
      chainsChecked: 1,
      eventsChecked: 3,
    });
    expect(await verifyAuditChains(database.db, { orgId: newId() })).toEqual({
      ok: true,
      chainsChecked: 0,
      eventsChecked: 0,
      chains: [],
      problems: [],
    });
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    const org = newId();
    const [first] = await appendEvents(database.db, org, 2);
    if (first === undefined) throw new Error('no event');
    const attempts = [
      database.db.update(auditEvents).set({ action: 'org.forged' }).where(eq(auditEvents.id, first.id)),
      database.db.delete(auditEvents).where(eq(auditEvents.id, first.id)),
      database.db.execute(sql`UPDATE audit_events SET data = '{}'::jsonb WHERE chain = ${org}`),
      database.db.execute(sql`TRUNCATE audit_events`),
    ];
    for (const attempt of attempts) {
      const err: unknown = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(errorText(err)).toContain('audit_events is append-only');
    }
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, first.id));
    expect(row).toEqual(first);
    expect((await verifyAuditChains(database.db, { orgId: org })).ok).toBe(true);
  });

  it('names an event whose contents were changed', async () => {
    const org = newId();
    const rows = await appendEvents(database.db, org, 5);
    const changed = at(rows, 3);
    await tamper(database.db, sql`UPDATE audit_events SET data = '{"i": 99}'::jsonb WHERE id = ${changed.id}`);
    broken.push(org);

    const report = await verifyAuditChains(database.db, { orgId: org });
    expect(report.ok).toBe(false);
    expect(report.eventsChecked).toBe(5);
    expect(report.problems).toEqual([
      {
        chain: org,
        eventId: changed.id,
        seq: 3,
        action: 'test.event',
        kind: 'changed',
        message: 'hash does not match its contents (changed)',
      },
    ]);
    expect(report.chains).toEqual([expect.objectContaining({ chain: org, ok: false, events: 5 })]);
  });

  it.each([
    ['actor_id', sql`actor_id = 'someone-else'`],
    ['at (one millisecond)', sql`at = at + interval '1 millisecond'`],
    ['ip', sql`ip = '198.51.100.1'`],
    ['org_id', sql`org_id = NULL`],
    ['action', sql`action = 'test.other'`],
  ])('notices a change of %s', async (_column, assignment) => {
    const org = newId();
    const rows = await appendEvents(database.db, org, 2, { ip: '203.0.113.1' });
    const target = at(rows, 2);
    await tamper(database.db, sql`UPDATE audit_events SET ${assignment} WHERE id = ${target.id}`);
    broken.push(org);
    const report = await verifyAuditChains(database.db, { orgId: org });
    expect(report.problems.map((p) => [p.eventId, p.kind])).toEqual([[target.id, 'changed']]);
  });

  it('names the next event when a change was re-hashed to hide it', async () => {
    const org = newId();
    const rows = await appendEvents(database.db, org, 5);
    const changed = { ...at(rows, 3), data: { i: 99 } };
    const rehashed = hashAuditEvent(changed);
    await tamper(
      database.db,
      sql`UPDATE audit_events SET data = '{"i": 99}'::jsonb, hash = ${rehashed} WHERE id = ${changed.id}`,
    );
    broken.push(org);
    const report = await verifyAuditChains(database.db, { orgId: org });
    expect(report.problems).toEqual([
      expect.objectContaining({
        eventId: at(rows, 4).id,
        seq: 4,
        kind: 'unlinked',
        message: 'prev_hash does not link to seq 3',
      }),
    ]);
  });

  it('names the event after a deleted one, and a run of deleted ones', async () => {
    const org = newId();
    const rows = await appendEvents(database.db, org, 8);
    await tamper(database.db, sql`DELETE FROM audit_events WHERE id = ${at(rows, 2).id}`);
    await tamper(database.db, sql`DELETE FROM audit_events WHERE chain = ${org} AND seq IN (5, 6)`);
    broken.push(org);
    const report = await verifyAuditChains(database.db, { orgId: org });
    expect(report.eventsChecked).toBe(5);
    expect(report.problems).toEqual([
      expect.objectContaining({ eventId: at(rows, 3).id, seq: 3, kind: 'missing', message: 'seq 2 missing (deleted)' }),
      expect.objectContaining({
        eventId: at(rows, 7).id,
        seq: 7,
        kind: 'missing',
        message: 'seq 5 to 6 missing (deleted)',
      }),
    ]);
  });

  it('notices events deleted at the end through the chain head', async () => {
    const org = newId();
    const rows = await appendEvents(database.db, org, 12);
    await tamper(database.db, sql`DELETE FROM audit_events WHERE chain = ${org} AND seq > 10`);
    broken.push(org);
    const report = await verifyAuditChains(database.db, { orgId: org });
    expect(report.problems).toEqual([
      {
        chain: org,
        eventId: at(rows, 10).id,
        seq: 10,
        action: 'test.event',
        kind: 'truncated',
        message: 'chain head says seq 12 but the last event is 10 (deleted at the end)',
      },
    ]);

    const emptied = newId();
    await appendEvents(database.db, emptied, 2);
    await tamper(database.db, sql`DELETE FROM audit_events WHERE chain = ${emptied}`);
    broken.push(emptied);
    expect((await verifyAuditChains(database.db, { orgId: emptied })).problems).toEqual([
      expect.objectContaining({ eventId: null, kind: 'truncated', message: expect.stringContaining('no events') }),
    ]);
  });

  it('notices a changed or deleted chain head (audit_chains has no trigger)', async () => {
    const changedHead = newId();
    const rows = await appendEvents(database.db, changedHead, 3);
    await database.db
      .update(auditChains)
      .set({ headHash: 'f'.repeat(64) })
      .where(eq(auditChains.chain, changedHead));
    broken.push(changedHead);
    expect((await verifyAuditChains(database.db, { orgId: changedHead })).problems).toEqual([
      expect.objectContaining({ eventId: at(rows, 3).id, kind: 'head_mismatch' }),
    ]);

    const noHead = newId();
    const headless = await appendEvents(database.db, noHead, 3);
    await database.db.delete(auditChains).where(eq(auditChains.chain, noHead));
    broken.push(noHead);
    const report = await verifyAuditChains(database.db, { orgId: noHead });
    expect(report.chains).toEqual([{ chain: noHead, events: 3, headSeq: null, headHash: null, ok: false }]);
    expect(report.problems).toEqual([expect.objectContaining({ eventId: at(headless, 3).id, kind: 'no_head' })]);
  });

  it('notices an event inserted past the chain head, even one hashed correctly', async () => {
    const org = newId();
    const rows = await appendEvents(database.db, org, 2);
    const last = at(rows, 2);
    const forged = { ...last, id: newId(), seq: 3, prevHash: last.hash, action: 'test.forged' };
    await database.db.insert(auditEvents).values({ ...forged, hash: hashAuditEvent(forged) });
    broken.push(org);
    expect((await verifyAuditChains(database.db, { orgId: org })).problems).toEqual([
      expect.objectContaining({ eventId: forged.id, seq: 3, kind: 'head_mismatch' }),
    ]);
  });

  it('gives the same answer whatever the page size, across page boundaries', async () => {
    const org = newId();
    await appendManyEvents(database.db, org, 7);
    const rows = await database.db.select().from(auditEvents).where(eq(auditEvents.chain, org));
    expect((await verifyAuditChains(database.db, { orgId: org, pageSize: 2 })).ok).toBe(true);
    await tamper(database.db, sql`UPDATE audit_events SET data = '{}'::jsonb WHERE chain = ${org} AND seq = 3`);
    await tamper(database.db, sql`DELETE FROM audit_events WHERE chain = ${org} AND seq = 5`);
    broken.push(org);
    const expected = [
      expect.objectContaining({ seq: 3, kind: 'changed' }),
      expect.objectContaining({ eventId: at(rows, 6).id, seq: 6, kind: 'missing' }),
    ];
    for (const pageSize of [1, 2, 3, 1000]) {
      const report = await verifyAuditChains(database.db, { orgId: org, pageSize });
      expect(report.problems, `pageSize ${String(pageSize)}`).toEqual(expected);
      expect(report.eventsChecked).toBe(6);
    }
    const capped = await verifyAuditChains(database.db, { orgId: org, maxProblemsPerChain: 1 });
    expect(capped).toMatchObject({ ok: false, problems: [expected[0]] });
  });

  it.each([0, -1, 1.5, Number.NaN, 10_001])('refuses page size and problem cap %s', async (value) => {
    await expect(verifyAuditChains(database.db, { pageSize: value })).rejects.toThrow(/pageSize must be an integer/);
    await expect(verifyAuditChains(database.db, { maxProblemsPerChain: value })).rejects.toThrow(RangeError);
  });

  it('verifying every chain reports exactly the broken ones', async () => {
    const report = await verifyAuditChains(database.db);
    expect(report.ok).toBe(false);
    expect(
      report.chains
        .filter((c) => !c.ok)
        .map((c) => c.chain)
        .sort(),
    ).toEqual([...new Set(broken)].sort());
    expect([...new Set(report.problems.map((p) => p.chain))].sort()).toEqual([...new Set(broken)].sort());
  });
});
