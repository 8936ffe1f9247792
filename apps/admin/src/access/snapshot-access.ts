import type { SnapshotAccess } from '@rustronaut/contracts';
import { apiKeys, deviceCas, memberships, policies, sessions, users } from '@rustronaut/db';
import { and, eq, gt, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { ISSUER } from '../auth/signing-keys.js';
import type { AdminContext } from '../context.js';
import { GATEWAY_SESSION_SECONDS } from './access-codes.js';
import { orgAccessKeysOf } from './access-keys.js';

/**
 * The access part of an org's snapshot: its members with their
 * current roles, the sessions revoked recently enough that a gateway token of theirs may still be unexpired,
 * its usable API keys (hashes only), its policies, its device CAs, the admin's public keys and the org's access keys.
 */
export async function snapshotAccessOf(ctx: AdminContext, orgId: string, adminUrl: string): Promise<SnapshotAccess> {
  const { db } = ctx;
  const now = ctx.now();
  const principals = await db
    .select({
      id: users.id,
      email: users.email,
      roles: memberships.roles,
      disabled: sql<boolean>`${users.disabled} or ${memberships.disabled}`,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(users.id);
  // A gateway token lives at most GATEWAY_SESSION_SECONDS: a session revoked longer ago has none left alive.
  const since = new Date(now.getTime() - GATEWAY_SESSION_SECONDS * 1000);
  const revoked = await db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(memberships, and(eq(memberships.userId, sessions.userId), eq(memberships.orgId, orgId)))
    .where(and(isNotNull(sessions.revokedAt), gt(sessions.revokedAt, since)))
    .orderBy(sessions.id);
  const keys = await db
    .select({
      prefix: apiKeys.prefix,
      sha256: apiKeys.secretHash,
      userId: apiKeys.createdBy,
      expiresAt: apiKeys.expiresAt,
    })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.orgId, orgId),
        isNull(apiKeys.revokedAt),
        isNotNull(apiKeys.createdBy),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
      ),
    )
    .orderBy(apiKeys.prefix);
  const rules = await db
    .select({ id: policies.id, rules: policies.rules })
    .from(policies)
    .where(eq(policies.orgId, orgId));
  const cas = await db
    .select({ pem: deviceCas.certificatePem })
    .from(deviceCas)
    .where(eq(deviceCas.orgId, orgId))
    .orderBy(deviceCas.id);
  const { intentKey, assertionKeyPem } = await orgAccessKeysOf(ctx, orgId);
  return {
    issuer: ISSUER,
    loginUrl: `${adminUrl.replace(/\/+$/, '')}/login`,
    keys: (await ctx.keys.jwks()).keys,
    intentKey,
    assertionKey: assertionKeyPem,
    principals,
    revokedSessions: revoked.map((r) => r.id),
    apiKeys: keys.map((k) => ({
      prefix: k.prefix,
      sha256: k.sha256,
      userId: k.userId as string,
      expiresAt: k.expiresAt?.toISOString() ?? null,
    })),
    policies: Object.fromEntries(rules.map((p) => [p.id, { rules: p.rules }])),
    deviceCas: cas.map((ca) => ca.pem),
  };
}
