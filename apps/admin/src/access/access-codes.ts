import type { AccessRedeemRequest, AccessRedeemResponse } from '@rustronaut/contracts';
import { accessCodes, memberships, resources, sessions, users } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, eq, isNull, lt } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.js';
import { sha256Hex } from '../auth/api-key-format.js';
import type { UserPrincipal } from '../auth/principal.js';
import type { AdminContext } from '../context.js';
import { orgAccessKeysOf } from './access-keys.js';
import { intentOrg, openIntent } from './open-intent.js';

/** A code is good this long after it is issued: enough for one redirect, too short to be worth stealing. */
export const ACCESS_CODE_SECONDS = 30;
/** Longest life of a gateway session token; a revoked session ends sooner (gateways get revocations pushed). */
export const GATEWAY_SESSION_SECONDS = 8 * 3600;

/** Path on every resource origin where a gateway takes the code back. */
export const CALLBACK_PATH = '/.rustronaut/callback';

/**
 * Issues the one-time code that takes a signed-in user from the login page back to the resource they asked for:
 * the intent (made by a gateway, encrypted with the org's key) names the resource, origin and path; the origin
 * must be one of that resource's, and the user a member of its org. Answers the URL to send the browser to,
 * which is therefore always `<origin of a configured resource>/.rustronaut/callback?code=...`.
 */
export async function grantAccess(ctx: AdminContext, user: UserPrincipal, intentToken: string, ip: string) {
  const orgId = intentOrg(intentToken);
  if (orgId === undefined) {
    throw errors.accessIntentInvalid.create('the sign-in intent is malformed; open the resource again');
  }
  const { intentKey } = await orgAccessKeysOf(ctx, orgId);
  const now = ctx.now();
  const intent = openIntent(intentToken, orgId, intentKey, now);
  const [resource] = await ctx.db
    .select({ host: resources.host, enabled: resources.enabled })
    .from(resources)
    .where(and(eq(resources.id, intent.resourceId), eq(resources.orgId, orgId)));
  const origin = new URL(intent.origin);
  if (resource?.enabled !== true || origin.hostname !== resource.host || origin.origin !== intent.origin) {
    throw errors.accessIntentInvalid.create('the sign-in intent names a resource that is not published any more');
  }
  const [member] = await ctx.db
    .select({ disabled: memberships.disabled })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, user.userId)));
  if (member === undefined) {
    throw errors.accessNotMember.create('you are not a member of the organisation that publishes this resource');
  }
  if (member.disabled) {
    throw errors.accessNotMember.create(
      'your membership of the organisation that publishes this resource is suspended',
    );
  }
  const code = `rac_${randomBytes(32).toString('base64url')}`;
  await ctx.db.transaction(async (tx) => {
    await tx.delete(accessCodes).where(lt(accessCodes.expiresAt, now));
    await tx.insert(accessCodes).values({
      codeHash: sha256Hex(code),
      orgId,
      sessionId: user.sessionId,
      resourceId: intent.resourceId,
      origin: intent.origin,
      returnPath: intent.path,
      expiresAt: new Date(now.getTime() + ACCESS_CODE_SECONDS * 1000),
    });
    await recordAudit(tx, {
      orgId,
      actor: { type: 'user', id: user.userId },
      action: 'access.grant',
      targetType: 'resource',
      targetId: intent.resourceId,
      ip,
      data: { origin: intent.origin },
    });
  });
  return { redirectUrl: `${intent.origin}${CALLBACK_PATH}?code=${code}` };
}

/**
 * Redeems a code for a gateway of `orgId`: single use (the UPDATE that marks it used is the check), for the
 * origin it was issued for, within its 30 s, while its session is live, its user enabled and still a member.
 * Answers a session token (EdDSA JWT, `aud` = the origin, `sid` = the admin session) for the host-scoped cookie.
 */
export async function redeemAccessCode(
  ctx: AdminContext,
  orgId: string,
  input: AccessRedeemRequest,
): Promise<AccessRedeemResponse> {
  const now = ctx.now();
  const invalid = () =>
    errors.accessCodeInvalid.create('the access code is unknown, used, expired or not for this origin');
  const [used] = await ctx.db
    .update(accessCodes)
    .set({ usedAt: now })
    .where(
      and(eq(accessCodes.codeHash, sha256Hex(input.code)), eq(accessCodes.orgId, orgId), isNull(accessCodes.usedAt)),
    )
    .returning();
  if (used === undefined || used.expiresAt <= now || used.origin !== input.origin) {
    throw invalid();
  }
  const [session] = await ctx.db
    .select({
      userId: sessions.userId,
      authMethod: sessions.authMethod,
      mfa: sessions.mfa,
      expiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      disabled: users.disabled,
      member: memberships.userId,
      suspended: memberships.disabled,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(memberships, and(eq(memberships.userId, sessions.userId), eq(memberships.orgId, orgId)))
    .where(eq(sessions.id, used.sessionId));
  if (
    session === undefined ||
    session.revokedAt !== null ||
    session.expiresAt <= now ||
    session.disabled ||
    session.member === null ||
    session.suspended === true
  ) {
    throw invalid();
  }
  const seconds = Math.min(GATEWAY_SESSION_SECONDS, Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000));
  const token = await ctx.keys.sign(
    { sid: used.sessionId, amr: [session.authMethod], mfa: session.mfa },
    { audience: used.origin, subject: session.userId, expiresInSeconds: seconds },
  );
  return {
    token,
    expiresAt: new Date(now.getTime() + seconds * 1000).toISOString(),
    returnPath: used.returnPath,
  };
}
