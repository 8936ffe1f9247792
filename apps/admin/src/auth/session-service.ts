import { memberships, newId, refreshTokens, sessions, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.js';
import type { AdminContext } from '../context.js';
import { bumpConfigVersion } from '../control/config-changes.js';
import { sha256Hex } from './api-key-format.js';

/** Absolute lifetime of a session: refreshing never extends it. */
export const SESSION_DAYS = 30;

/** How a session started, for the session row and the tokens. */
export interface SessionStart {
  readonly userId: string;
  readonly authMethod: 'password' | 'sso';
  readonly mfa: boolean;
  readonly ip: string;
  readonly userAgent: string;
}

const newRefreshToken = () => `rrt_${randomBytes(32).toString('base64url')}`;

/** Opens a session (inside `tx`) and returns its id and first refresh token. */
export async function startSession(
  tx: DrizzleDatabase,
  now: Date,
  start: SessionStart,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = newId();
  await tx.insert(sessions).values({
    id: sessionId,
    ...start,
    userAgent: start.userAgent.slice(0, 512),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + SESSION_DAYS * 24 * 3600_000),
  });
  const refreshToken = newRefreshToken();
  await tx.insert(refreshTokens).values({ id: newId(), sessionId, tokenHash: sha256Hex(refreshToken), createdAt: now });
  return { sessionId, refreshToken };
}

/**
 * Ends sessions (all of a user's, or one) with a reason; returns the ids it revoked. Gateways hold session
 * cookies of these sessions: the config version of each org of the user is bumped in the same transaction, so
 * the revocation reaches them with the next snapshot (the control channel polls versions every 500 ms).
 */
export async function revokeSessions(
  tx: DrizzleDatabase,
  now: Date,
  where: { userId: string; sessionId?: string; exceptSessionId?: string },
  reason: string,
): Promise<string[]> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(
      and(
        eq(sessions.userId, where.userId),
        isNull(sessions.revokedAt),
        where.sessionId === undefined ? undefined : eq(sessions.id, where.sessionId),
        where.exceptSessionId === undefined ? undefined : ne(sessions.id, where.exceptSessionId),
      ),
    )
    .returning({ id: sessions.id });
  if (rows.length > 0) {
    const orgs = await tx
      .select({ orgId: memberships.orgId })
      .from(memberships)
      .where(eq(memberships.userId, where.userId));
    for (const { orgId } of orgs) await bumpConfigVersion(tx, orgId);
  }
  return rows.map((row) => row.id);
}

/**
 * Rotates a refresh token: the presented one is spent and a new one returned. A token presented after it was
 * spent is reuse — someone holds a copy — so the whole session (the token family) is revoked, the event
 * audited, and the request refused.
 */
export async function rotateRefreshToken(
  ctx: AdminContext,
  token: string,
  ip: string,
): Promise<{ sessionId: string; userId: string; authMethod: string; mfa: boolean; refreshToken: string }> {
  const now = ctx.now();
  const invalid = () => errors.authRefreshInvalid.create('the refresh token is invalid or its session has ended');
  const outcome = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        tokenId: refreshTokens.id,
        usedAt: refreshTokens.usedAt,
        sessionId: sessions.id,
        userId: sessions.userId,
        authMethod: sessions.authMethod,
        mfa: sessions.mfa,
        revokedAt: sessions.revokedAt,
        expiresAt: sessions.expiresAt,
      })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, sha256Hex(token)))
      .for('update')
      .limit(1);
    if (row === undefined || row.revokedAt !== null || row.expiresAt <= now) return undefined;
    if (row.usedAt !== null) {
      await revokeSessions(tx, now, { userId: row.userId, sessionId: row.sessionId }, 'refresh_reuse');
      await recordAudit(tx, {
        orgId: null,
        actor: { type: 'user', id: row.userId },
        action: 'auth.refresh.reuse',
        targetType: 'session',
        targetId: row.sessionId,
        ip,
        data: { revoked: 'session' },
      });
      return 'reused' as const;
    }
    await tx.update(refreshTokens).set({ usedAt: now }).where(eq(refreshTokens.id, row.tokenId));
    const refreshToken = newRefreshToken();
    await tx
      .insert(refreshTokens)
      .values({ id: newId(), sessionId: row.sessionId, tokenHash: sha256Hex(refreshToken), createdAt: now });
    await tx.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.sessionId));
    await recordAudit(tx, {
      orgId: null,
      actor: { type: 'user', id: row.userId },
      action: 'auth.refresh',
      targetType: 'session',
      targetId: row.sessionId,
      ip,
    });
    return { sessionId: row.sessionId, userId: row.userId, authMethod: row.authMethod, mfa: row.mfa, refreshToken };
  });
  if (outcome === undefined) throw invalid();
  if (outcome === 'reused') {
    ctx.logger.warn({ ip }, 'refresh token reuse detected: session revoked');
    throw invalid();
  }
  return outcome;
}
