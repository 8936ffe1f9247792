import { auditChains, auditEvents, newId } from '@rustronaut/db';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDrivers, type TestDriver } from '../../test/harness.js';
import { canonicalJson, GENESIS_HASH, hashAuditEvent } from './audit-hash.js';
import { recordAudit } from './record-audit.js';

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined, so jsonb round trips hash the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson('x')).toBe('"x"');
  });
});

describe.each(testDrivers())('[$name] audit writer', (driver: TestDriver) => {
  let opened: Awaited<ReturnType<TestDriver['open']>>;
  beforeAll(async () => {
    opened = await driver.open();
  });
  afterAll(() => opened.drop());

  it('chains events per org: seq from 1, each prev_hash the hash before, head row kept current', async () => {
    const { db } = opened.database;
    const org = newId();
    for (const action of ['resource.create', 'resource.update', 'resource.delete']) {
      await db.transaction((tx) =>
        recordAudit(tx, { orgId: org, actor: { type: 'user', id: 'u1' }, action, data: { n: action } }),
      );
    }
    await recordAudit(db, { orgId: null, actor: { type: 'system', id: null }, action: 'auth.login' });
    const rows = await db.select().from(auditEvents).where(eq(auditEvents.chain, org)).orderBy(asc(auditEvents.seq));
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
    expect(rows[2]?.prevHash).toBe(rows[1]?.hash);
    for (const row of rows) expect(hashAuditEvent(row)).toBe(row.hash);
    const [head] = await db.select().from(auditChains).where(eq(auditChains.chain, org));
    expect(head).toEqual({ chain: org, seq: 3, headHash: rows[2]?.hash });
    const [instance] = await db.select().from(auditEvents).where(eq(auditEvents.chain, 'instance'));
    expect(instance).toMatchObject({ seq: 1, orgId: null, action: 'auth.login' });
  });

  it('writes nothing when the transaction of the change rolls back', async () => {
    const { db } = opened.database;
    const org = newId();
    await expect(
      db.transaction(async (tx) => {
        await recordAudit(tx, { orgId: org, actor: { type: 'system', id: null }, action: 'x.create' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await db.select().from(auditEvents).where(eq(auditEvents.chain, org))).toEqual([]);
  });

  it('keeps a chain intact under concurrent writers', async () => {
    const { db } = opened.database;
    const org = newId();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction((tx) =>
          recordAudit(tx, { orgId: org, actor: { type: 'system', id: null }, action: `x.${String(i)}` }),
        ),
      ),
    );
    const rows = await db.select().from(auditEvents).where(eq(auditEvents.chain, org)).orderBy(asc(auditEvents.seq));
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    rows.forEach((row, i) => expect(row.prevHash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1]?.hash));
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    const { db } = opened.database;
    await expect(db.execute(sql`update audit_events set action = 'forged'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_events`)).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_events`)).rejects.toThrow();
  });
});
