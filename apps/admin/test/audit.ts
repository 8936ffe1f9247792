import { auditChains, auditEvents, newId, type DrizzleDatabase } from '@rustronaut/db';
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { GENESIS_HASH, hashAuditEvent } from '../src/audit/audit-hash.js';
import { chainOf, recordAudit, type AuditInput } from '../src/audit/record-audit.js';

/** Audit events as stored. */
export type AuditRow = typeof auditEvents.$inferSelect;

/**
 * Runs `statement` against `audit_events` the way an attacker with the database owner's rights would: the
 * append-only triggers are disabled for it, then enabled again.
 */
export async function tamper(db: DrizzleDatabase, statement: SQL): Promise<void> {
  await db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER USER`);
  try {
    await db.execute(statement);
  } finally {
    await db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER USER`);
  }
}

/** Appends `count` events to `orgId`'s chain through the real writer, one transaction each. */
export async function appendEvents(
  db: DrizzleDatabase,
  orgId: string | null,
  count: number,
  event: Partial<AuditInput> = {},
): Promise<AuditRow[]> {
  for (let i = 0; i < count; i++) {
    await db.transaction((tx) =>
      recordAudit(tx, {
        orgId,
        actor: { type: 'system', id: null },
        action: 'test.event',
        targetType: 'thing',
        targetId: `thing-${String(i)}`,
        data: { i, nested: { z: 1, a: [2, { y: 3, b: 4 }] } },
        ...event,
      }),
    );
  }
  return chainEvents(db, orgId);
}

/**
 * Appends `count` events to `orgId`'s chain in bulk (the same rows `recordAudit` writes, hashed the same way,
 * inserted 500 a statement): for tests that need more events than one write per transaction makes quick.
 */
export async function appendManyEvents(db: DrizzleDatabase, orgId: string, count: number): Promise<void> {
  const chain = chainOf(orgId);
  await db.transaction(async (tx) => {
    await tx.insert(auditChains).values({ chain, seq: 0, headHash: GENESIS_HASH }).onConflictDoNothing();
    const [head] = await tx.select().from(auditChains).where(eq(auditChains.chain, chain)).for('update');
    if (head === undefined) throw new Error('no chain head');
    let { seq, headHash } = head;
    const rows: Array<typeof auditEvents.$inferInsert> = [];
    for (let i = 0; i < count; i++) {
      seq += 1;
      const event = {
        id: newId(),
        chain,
        seq,
        orgId,
        at: new Date(Date.now()),
        actorType: 'system',
        actorId: null,
        action: 'test.bulk',
        targetType: null,
        targetId: null,
        ip: null,
        data: { i },
        prevHash: headHash,
      };
      headHash = hashAuditEvent(event);
      rows.push({ ...event, hash: headHash });
    }
    for (let i = 0; i < rows.length; i += 500) await tx.insert(auditEvents).values(rows.slice(i, i + 500));
    await tx.update(auditChains).set({ seq, headHash }).where(eq(auditChains.chain, chain));
  });
}

/** The events of `orgId`'s chain in seq order. */
export function chainEvents(db: DrizzleDatabase, orgId: string | null): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.chain, chainOf(orgId)))
    .orderBy(asc(auditEvents.seq));
}

/** The message of an error and of its causes (Drizzle wraps the driver's error). */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join(' <- ');
}
