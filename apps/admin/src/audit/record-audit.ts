import { auditChains, auditEvents, newId, type DrizzleDatabase } from '@rustronaut/db';
import { eq, sql } from 'drizzle-orm';
import { GENESIS_HASH, hashAuditEvent } from './audit-hash.js';

/** Who did something. */
export interface AuditActor {
  /** user, api_key, agent (an enrolled gateway, hub or connector) or system. */
  readonly type: 'user' | 'api_key' | 'agent' | 'system';
  /** Id of the user, API key or agent; null for the system. */
  readonly id: string | null;
}

/** One audit event to write. */
export interface AuditInput {
  /** The organisation the event belongs to; null for events outside any org (sign-in, first start). */
  readonly orgId: string | null;
  readonly actor: AuditActor;
  /** `<noun>.<verb>`, e.g. `resource.create`, `auth.login.failed`, `session.revoke`. */
  readonly action: string;
  readonly targetType?: string | undefined;
  readonly targetId?: string | undefined;
  /** Source address of the request. */
  readonly ip?: string | undefined;
  /** What changed, without secrets. */
  readonly data?: Record<string, unknown> | undefined;
}

/** The chain of an org's events, or of events outside any org. */
export const chainOf = (orgId: string | null): string => orgId ?? 'instance';

/**
 * Appends an event to its org's hash chain. Call it with the transaction of the change it records, so the
 * event exists if and only if the change does. The chain head row is locked by the UPDATE until the
 * transaction ends, which serialises writers of one chain.
 */
export async function recordAudit(tx: DrizzleDatabase, input: AuditInput): Promise<void> {
  const chain = chainOf(input.orgId);
  await tx.insert(auditChains).values({ chain, seq: 0, headHash: GENESIS_HASH }).onConflictDoNothing();
  const [head] = await tx
    .update(auditChains)
    .set({ seq: sql`${auditChains.seq} + 1` })
    .where(eq(auditChains.chain, chain))
    .returning({ seq: auditChains.seq, prevHash: auditChains.headHash });
  if (head === undefined) throw new Error(`audit chain ${chain} has no head row`);
  const event = {
    id: newId(),
    chain,
    seq: head.seq,
    orgId: input.orgId,
    // Millisecond precision: what the column keeps, so the hash recomputes from the row.
    at: new Date(Date.now()),
    actorType: input.actor.type,
    actorId: input.actor.id,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    ip: input.ip ?? null,
    data: input.data ?? {},
    prevHash: head.prevHash,
  };
  const hash = hashAuditEvent(event);
  await tx.insert(auditEvents).values({ ...event, hash });
  await tx.update(auditChains).set({ headHash: hash }).where(eq(auditChains.chain, chain));
}
