import type { AuditFilterQuery } from '@rustronaut/contracts';
import { auditEvents, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, asc, desc, eq, gt, gte, like, lt, type SQL } from 'drizzle-orm';

type AuditRow = typeof auditEvents.$inferSelect;

/** Rows per query of the export: the export streams, so memory holds one page whatever the log's size. */
export const EXPORT_PAGE_SIZE = 1000;

/** `LIKE` pattern of a literal prefix: `%`, `_` and `\` in it match only themselves. */
const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The WHERE conditions of an org's audit query: always the org (events of other orgs and of no org are never
 * visible), then every filter given. Throws ERR_VALIDATION when `from` is after `to`.
 */
export function auditConditions(orgId: string, filters: AuditFilterQuery): SQL[] {
  const { actorId, actorType, action, targetType, targetId, from, to } = filters;
  if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to)) {
    throw errors.validation.create('`from` is after `to`', {
      details: { errors: [{ field: 'querystring.to', message: 'must not be before `from`' }] },
    });
  }
  const conditions: SQL[] = [eq(auditEvents.orgId, orgId)];
  if (actorId !== undefined) conditions.push(eq(auditEvents.actorId, actorId));
  if (actorType !== undefined) conditions.push(eq(auditEvents.actorType, actorType));
  if (action !== undefined) {
    conditions.push(
      action.endsWith('*') ? like(auditEvents.action, likePrefix(action.slice(0, -1))) : eq(auditEvents.action, action),
    );
  }
  if (targetType !== undefined) conditions.push(eq(auditEvents.targetType, targetType));
  if (targetId !== undefined) conditions.push(eq(auditEvents.targetId, targetId));
  if (from !== undefined) conditions.push(gte(auditEvents.at, new Date(from)));
  if (to !== undefined) conditions.push(lt(auditEvents.at, new Date(to)));
  return conditions;
}

/** A page of an org's events, newest first: `limit + 1` rows with ids below `before` (for `pageOf`). */
export function listAuditEvents(
  db: DrizzleDatabase,
  conditions: readonly SQL[],
  page: { limit: number; before: string | undefined },
): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(and(...conditions, page.before === undefined ? undefined : lt(auditEvents.id, page.before)))
    .orderBy(desc(auditEvents.id))
    .limit(page.limit + 1);
}

/**
 * Every matching event, oldest first, read `pageSize` rows per query as the consumer pulls: stop pulling (or
 * `return()`) and no further query runs.
 */
export async function* exportAuditEvents(
  db: DrizzleDatabase,
  conditions: readonly SQL[],
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<AuditRow, void, undefined> {
  let after: string | undefined;
  for (;;) {
    const page = await db
      .select()
      .from(auditEvents)
      .where(and(...conditions, after === undefined ? undefined : gt(auditEvents.id, after)))
      .orderBy(asc(auditEvents.id))
      .limit(pageSize);
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    after = last.id;
  }
}
