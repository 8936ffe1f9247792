import { auditEvents, type DrizzleDatabase } from '@rustronaut/db';
import { and, asc, eq, gt, lte, max } from 'drizzle-orm';

type AuditRow = typeof auditEvents.$inferSelect;

/** Receives new audit events of one organisation, in chain order. */
export type AuditListener = (row: AuditRow) => void;

/** New audit events of organisations, as they are written; one poll per organisation with listeners. */
export interface AuditFeed {
  /**
   * Calls `listener` with every event of `orgId` written from now on; with `afterSeq`, first with the events after
   * that position of the org's chain that were already written (at most `catchUpLimit`). Returns the unsubscribe.
   */
  subscribe(orgId: string, listener: AuditListener, afterSeq?: number): Promise<() => void>;
  /** Stops every poll; listeners get nothing more. */
  close(): void;
}

/** Options of {@link createAuditFeed}. */
export interface AuditFeedOptions {
  /** How often an organisation with listeners is polled; default 300 ms. */
  readonly intervalMs?: number;
  /** Most events replayed to a resuming listener, and read per poll; default 500. */
  readonly batch?: number;
  /** Where poll failures go (the next poll retries). */
  readonly onError: (err: unknown) => void;
}

interface OrgPoll {
  lastSeq: number;
  readonly listeners: Set<AuditListener>;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

/**
 * Follows the audit log by the position in each org's hash chain (`seq`), not by id or time: writers of a chain are
 * serialised by its head row, so seq order is commit order and a poll `seq > last` misses nothing, even when
 * transactions commit out of id order. Works the same on PGlite and PostgreSQL, for events written by any admin
 * sharing the database.
 */
export function createAuditFeed(db: DrizzleDatabase, options: AuditFeedOptions): AuditFeed {
  const intervalMs = options.intervalMs ?? 300;
  const batch = options.batch ?? 500;
  if (!(intervalMs > 0) || !(batch > 0)) throw new Error('createAuditFeed: intervalMs and batch must be positive');
  const polls = new Map<string, OrgPoll>();
  let closed = false;

  const after = (orgId: string, seq: number, upTo?: number) =>
    db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.chain, orgId),
          gt(auditEvents.seq, seq),
          upTo === undefined ? undefined : lte(auditEvents.seq, upTo),
        ),
      )
      .orderBy(asc(auditEvents.seq))
      .limit(batch);

  const tick = async (orgId: string, poll: OrgPoll): Promise<void> => {
    if (poll.running) return;
    poll.running = true;
    try {
      const rows = await after(orgId, poll.lastSeq);
      for (const row of rows) {
        poll.lastSeq = row.seq;
        for (const listener of poll.listeners) listener(row);
      }
    } catch (err) {
      options.onError(err);
    } finally {
      poll.running = false;
    }
  };

  const subscribe = async (orgId: string, listener: AuditListener, afterSeq?: number): Promise<() => void> => {
    if (closed) throw new Error('the audit feed is closed');
    let poll = polls.get(orgId);
    if (poll === undefined) {
      const [head] = await db
        .select({ seq: max(auditEvents.seq) })
        .from(auditEvents)
        .where(eq(auditEvents.chain, orgId));
      // Another subscriber may have started the poll while this one read the head.
      poll = polls.get(orgId);
      if (poll === undefined) {
        const created: OrgPoll = { lastSeq: head?.seq ?? 0, listeners: new Set(), timer: undefined, running: false };
        created.timer = setInterval(() => void tick(orgId, created), intervalMs);
        polls.set(orgId, (poll = created));
      }
    }
    // Replay what a resuming listener missed, until it has caught up with the poll (which moves meanwhile); then
    // join it with no await in between, so no event falls in the gap.
    let sent = Math.min(afterSeq ?? poll.lastSeq, poll.lastSeq);
    let replayed = 0;
    while (sent < poll.lastSeq && replayed < batch) {
      const upTo = poll.lastSeq;
      for (const row of await after(orgId, sent, upTo)) {
        listener(row);
        replayed++;
      }
      sent = upTo;
    }
    // The poll ended while this listener caught up (its other listeners left): start over from where it got.
    if (polls.get(orgId) !== poll) return subscribe(orgId, listener, sent);
    poll.listeners.add(listener);
    const joined = poll;
    return () => {
      joined.listeners.delete(listener);
      if (joined.listeners.size === 0 && polls.get(orgId) === joined) {
        clearInterval(joined.timer);
        polls.delete(orgId);
      }
    };
  };

  return {
    subscribe,
    close() {
      closed = true;
      for (const poll of polls.values()) clearInterval(poll.timer);
      polls.clear();
    },
  };
}
