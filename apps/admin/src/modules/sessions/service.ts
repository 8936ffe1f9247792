import { memberships, sessions } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, asc, eq, gt, isNotNull, isNull, lte, or } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import { revokeSessions } from '../../auth/session-service.js';
import type { AdminContext } from '../../context.js';
import { notifyOrgsOfUser } from '../config-change.js';
import type { Caller } from '../members/caller.js';

/** Filters of the org's session list. */
export interface SessionFilter {
  /** Only this member's sessions. */
  readonly userId?: string | undefined;
  /** true: neither revoked nor expired; false: ended; undefined: all. */
  readonly active?: boolean | undefined;
}

/**
 * `limit + 1` sessions of the org's members in id order after `after`, for `pageOf`. Sessions belong to users,
 * not orgs: a member's sessions show in every org they belong to.
 */
export function listMemberSessions(
  ctx: AdminContext,
  orgId: string,
  filter: SessionFilter,
  after: string | undefined,
  limit: number,
) {
  const now = ctx.now();
  const activity =
    filter.active === undefined
      ? undefined
      : filter.active
        ? and(isNull(sessions.revokedAt), gt(sessions.expiresAt, now))
        : or(isNotNull(sessions.revokedAt), lte(sessions.expiresAt, now));
  return ctx.db
    .select({ session: sessions })
    .from(sessions)
    .innerJoin(memberships, and(eq(memberships.userId, sessions.userId), eq(memberships.orgId, orgId)))
    .where(
      and(
        filter.userId === undefined ? undefined : eq(sessions.userId, filter.userId),
        activity,
        after === undefined ? undefined : gt(sessions.id, after),
      ),
    )
    .orderBy(asc(sessions.id))
    .limit(limit + 1);
}

/**
 * Revokes a session of a member of the org: its access tokens get 401 on their next request and its refresh token
 * is dead. 404 for a session of anyone else; revoking an ended session changes nothing.
 */
export async function revokeMemberSession(ctx: AdminContext, caller: Caller, sessionId: string): Promise<void> {
  const userId = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ userId: sessions.userId })
      .from(sessions)
      .innerJoin(memberships, and(eq(memberships.userId, sessions.userId), eq(memberships.orgId, caller.orgId)))
      .where(eq(sessions.id, sessionId));
    if (row === undefined) throw errors.notFound.create('no such session of a member of this organisation');
    const revoked = await revokeSessions(tx, ctx.now(), { userId: row.userId, sessionId }, 'revoked');
    if (revoked.length === 0) return undefined;
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'session.revoke',
      targetType: 'session',
      targetId: sessionId,
      ip: caller.ip,
      data: { userId: row.userId },
    });
    return row.userId;
  });
  if (userId !== undefined) await notifyOrgsOfUser(ctx, userId);
}
