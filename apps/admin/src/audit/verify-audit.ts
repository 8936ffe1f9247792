import type { AuditProblem, AuditVerifyReport } from '@rustronaut/contracts';
import { auditChains, auditEvents, type DrizzleDatabase } from '@rustronaut/db';
import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { GENESIS_HASH, hashAuditEvent } from './audit-hash.js';
import { chainOf } from './record-audit.js';

/** Options of {@link verifyAuditChains}. */
export interface VerifyAuditOptions {
  /** Verify only this organisation's chain (default: every chain, the `instance` chain included). */
  readonly orgId?: string | undefined;
  /** Events read per query, 1 to 10000 (default 1000): memory stays bounded whatever the chain's length. */
  readonly pageSize?: number | undefined;
  /** Problems kept per chain, 1 to 10000 (default 100); the walk goes on, the rest is counted only in `ok`. */
  readonly maxProblemsPerChain?: number | undefined;
}

type EventRow = typeof auditEvents.$inferSelect;
type HeadRow = typeof auditChains.$inferSelect;
type ChainReport = AuditVerifyReport['chains'][number];

function checkCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new RangeError(`verifyAuditChains: ${name} must be an integer from 1 to 10000, got ${String(value)}`);
  }
  return value;
}

/**
 * Walks the audit hash chains in `seq` order, a page at a time, and reports every break: an event whose hash
 * does not match its contents (changed), a gap in `seq` (deleted), a `prev_hash` that does not link to the event
 * before, and a chain head (`audit_chains`) that disagrees with the last event (deleted at the end, or head
 * rewritten). Only events up to the head read at the start are walked, so writers appending meanwhile do not
 * show up as breaks. An attacker who rewrites a whole chain and its head is caught only by comparing
 * `headHash` with a copy kept elsewhere.
 */
export async function verifyAuditChains(
  db: DrizzleDatabase,
  options: VerifyAuditOptions = {},
): Promise<AuditVerifyReport> {
  const pageSize = checkCount('pageSize', options.pageSize, 1000);
  const maxProblems = checkCount('maxProblemsPerChain', options.maxProblemsPerChain, 100);
  const only = options.orgId === undefined ? undefined : chainOf(options.orgId);
  // Chains with events first, heads second: a chain's first event commits with its head row, so every chain
  // seen here has a head by the time heads are read, unless the head row was deleted.
  const withEvents = await db
    .selectDistinct({ chain: auditEvents.chain })
    .from(auditEvents)
    .where(only === undefined ? undefined : eq(auditEvents.chain, only));
  const heads = await db
    .select()
    .from(auditChains)
    .where(only === undefined ? undefined : eq(auditChains.chain, only));
  const headOf = new Map(heads.map((head) => [head.chain, head]));
  const names = [...new Set([...heads.map((h) => h.chain), ...withEvents.map((c) => c.chain)])].sort();

  const report: AuditVerifyReport = { ok: true, chainsChecked: 0, eventsChecked: 0, chains: [], problems: [] };
  for (const chain of names) {
    const result = await verifyChain(db, chain, headOf.get(chain), pageSize, maxProblems);
    report.chainsChecked += 1;
    report.eventsChecked += result.summary.events;
    report.chains.push(result.summary);
    report.problems.push(...result.problems);
    if (!result.summary.ok) report.ok = false;
  }
  return report;
}

async function verifyChain(
  db: DrizzleDatabase,
  chain: string,
  head: HeadRow | undefined,
  pageSize: number,
  maxProblems: number,
): Promise<{ summary: ChainReport; problems: AuditProblem[] }> {
  const problems: AuditProblem[] = [];
  let broken = false;
  const report = (row: EventRow | undefined, kind: AuditProblem['kind'], message: string): void => {
    broken = true;
    if (problems.length >= maxProblems) return;
    problems.push({
      chain,
      eventId: row?.id ?? null,
      seq: row?.seq ?? null,
      action: row?.action ?? null,
      kind,
      message,
    });
  };

  let expected = 1;
  let prevHash = GENESIS_HASH;
  let last: EventRow | undefined;
  let events = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.chain, chain),
          last === undefined ? undefined : gt(auditEvents.seq, last.seq),
          head === undefined ? undefined : lte(auditEvents.seq, head.seq),
        ),
      )
      .orderBy(asc(auditEvents.seq))
      .limit(pageSize);
    for (const row of page) {
      events += 1;
      if (row.seq > expected) {
        const gap = row.seq - 1 === expected ? `seq ${expected}` : `seq ${expected} to ${row.seq - 1}`;
        report(row, 'missing', `${gap} missing (deleted)`);
      } else if (row.seq < expected) {
        report(row, 'out_of_order', `seq ${row.seq} where seq ${expected} was expected (inserted)`);
      } else if (row.prevHash !== prevHash) {
        report(
          row,
          'unlinked',
          row.seq === 1
            ? 'prev_hash is not the start of a chain (seq 1 must link to 64 zeros)'
            : `prev_hash does not link to seq ${row.seq - 1}`,
        );
      }
      if (hashAuditEvent(row) !== row.hash) report(row, 'changed', 'hash does not match its contents (changed)');
      expected = row.seq + 1;
      prevHash = row.hash;
      last = row;
    }
    if (page.length < pageSize) break;
  }

  const lastSeq = last?.seq ?? 0;
  if (head === undefined) {
    report(last, 'no_head', `the chain has events up to seq ${lastSeq} but no head row in audit_chains (deleted)`);
  } else if (head.seq > lastSeq) {
    report(
      last,
      'truncated',
      last === undefined
        ? `chain head says seq ${head.seq} but the chain has no events (deleted)`
        : `chain head says seq ${head.seq} but the last event is ${lastSeq} (deleted at the end)`,
    );
  } else if (head.headHash !== (last?.hash ?? GENESIS_HASH)) {
    report(last, 'head_mismatch', `chain head hash does not match the hash of seq ${lastSeq} (head or event changed)`);
  } else {
    await checkNothingPastHead(db, chain, head, report);
  }
  return {
    summary: { chain, events, headSeq: head?.seq ?? null, headHash: head?.headHash ?? null, ok: !broken },
    problems,
  };
}

/**
 * Events past the head read at the start are normally appends made since; they are a break only when the head
 * still does not reach them (rows inserted behind the writer's back, or the head row moved back).
 */
async function checkNothingPastHead(
  db: DrizzleDatabase,
  chain: string,
  head: HeadRow,
  report: (row: EventRow | undefined, kind: AuditProblem['kind'], message: string) => void,
): Promise<void> {
  const [beyond] = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, chain), gt(auditEvents.seq, head.seq)))
    .orderBy(asc(auditEvents.seq))
    .limit(1);
  if (beyond === undefined) return;
  const [now] = await db.select().from(auditChains).where(eq(auditChains.chain, chain));
  if (now === undefined || now.seq < beyond.seq) {
    report(beyond, 'head_mismatch', `event past the chain head (head says seq ${now?.seq ?? head.seq})`);
  }
}
