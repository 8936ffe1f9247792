import type { MonitorSummary } from '@rustronaut/contracts';
import { auditEvents, type DrizzleDatabase } from '@rustronaut/db';
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';

/** Audit actions of the gateway's access decisions (`access.blocked`: a refused source address). */
export const ACCESS_ACTIONS = ['access.allowed', 'access.denied', 'access.blocked'] as const;
const TOP_RESOURCES = 5;

const denied = sql<number>`count(*) filter (where ${auditEvents.action} <> 'access.allowed')::int`;
// CASE, not AND: PostgreSQL does not promise to test the pattern before the cast.
const status = sql`case when ${auditEvents.data}->>'status' ~ '^[0-9]{3}$' then (${auditEvents.data}->>'status')::int else 0 end`;
// The gateway reports the resource as the event's target.
const resource = sql<string>`coalesce(${auditEvents.targetId}, '')`;
const host = sql<string>`coalesce(${auditEvents.data}->>'host', '')`;

/** Requests, denials, 5xx answers and the busiest resources of an org since `now - windowSeconds`. */
export async function monitorSummaryOf(
  db: DrizzleDatabase,
  orgId: string,
  now: Date,
  windowSeconds: number,
): Promise<MonitorSummary> {
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const where = and(
    eq(auditEvents.orgId, orgId),
    inArray(auditEvents.action, [...ACCESS_ACTIONS]),
    gte(auditEvents.at, since),
  );
  const [totals] = await db
    .select({
      requests: sql<number>`count(*)::int`,
      denied,
      errors: sql<number>`count(*) filter (where ${auditEvents.action} = 'access.allowed' and ${status} >= 500)::int`,
    })
    .from(auditEvents)
    .where(where);
  const top = await db
    .select({ resource, host, requests: sql<number>`count(*)::int`, denied })
    .from(auditEvents)
    .where(where)
    .groupBy(resource, host)
    .orderBy(desc(sql`count(*)`), resource)
    .limit(TOP_RESOURCES);
  const requests = totals?.requests ?? 0;
  const errors = totals?.errors ?? 0;
  return {
    since: since.toISOString(),
    windowSeconds,
    requests,
    requestsPerSecond: requests / windowSeconds,
    denied: totals?.denied ?? 0,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    topResources: top,
  };
}
