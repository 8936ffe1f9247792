import type { ApiKeyView } from '@rustronaut/contracts';
import { apiKeys, newId, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import { changeConfig } from '../config-change.js';
import { generateApiKey } from '../../auth/api-key-format.js';
import type { AdminContext } from '../../context.js';
import { iso, isoOrNull } from '../../http/views.js';
import type { Caller } from '../members/caller.js';
import { checkPermissions, requireHeld } from '../roles/role-catalog.js';
import { oneOfOrg, pageOfOrg } from '../org-rows.js';

type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Lifetime of a key created without `expiresAt`. */
export const DEFAULT_API_KEY_DAYS = 90;
/** Longest lifetime a key may be given. */
export const MAX_API_KEY_DAYS = 365;
const DAY_MS = 24 * 3600_000;

/** An API key row as the API shows it: never the hash (the key itself is not stored). */
export function apiKeyViewOf(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    permissions: row.permissions,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    expiresAt: isoOrNull(row.expiresAt),
    lastUsedAt: isoOrNull(row.lastUsedAt),
    revokedAt: isoOrNull(row.revokedAt),
  };
}

/** `limit + 1` keys of the org in id order after `after`, for `pageOf`. */
export function listApiKeys(ctx: AdminContext, orgId: string, after: string | undefined, limit: number) {
  return pageOfOrg(ctx.db, apiKeys, orgId, after, limit);
}

/** One key of the org; 404 when it does not exist or belongs to another org. */
export function getApiKey(db: DrizzleDatabase, orgId: string, apiKeyId: string): Promise<ApiKeyRow> {
  return oneOfOrg(db, apiKeys, orgId, apiKeyId, () => errors.notFound.create('no such API key'));
}

/** Input of a new key. */
export interface NewApiKey {
  readonly name: string;
  readonly permissions: readonly string[];
  readonly expiresAt?: string | undefined;
}

/** When a new key expires: `expiresAt` if it is in the future and at most a year ahead; 400 otherwise. */
function expiryOf(now: Date, expiresAt: string | undefined): Date {
  if (expiresAt === undefined) return new Date(now.getTime() + DEFAULT_API_KEY_DAYS * DAY_MS);
  const at = new Date(expiresAt);
  const problem =
    at.getTime() <= now.getTime()
      ? 'must be in the future'
      : at.getTime() > now.getTime() + MAX_API_KEY_DAYS * DAY_MS
        ? `must be at most ${String(MAX_API_KEY_DAYS)} days ahead`
        : undefined;
  if (problem !== undefined) {
    throw errors.validation.create(`expiresAt ${problem}`, {
      details: { errors: [{ field: 'body.expiresAt', message: problem }] },
    });
  }
  return at;
}

/**
 * Creates a key for `creatorId` with a subset of the caller's permissions. Returns its view and the key, which
 * exists nowhere else afterwards: only its lookup prefix and SHA-256 are stored, and the audit event has neither.
 */
export async function createApiKey(
  ctx: AdminContext,
  caller: Caller,
  creatorId: string,
  input: NewApiKey,
): Promise<ApiKeyView & { key: string }> {
  const permissions = checkPermissions(input.permissions, 'body.permissions');
  requireHeld(permissions, caller.held, 'give a key these permissions');
  const now = ctx.now();
  const expiresAt = expiryOf(now, input.expiresAt);
  const { key, prefix, secretHash } = generateApiKey();
  // Gateways check API keys against the hashes in their snapshot: a new or revoked key is a config change.
  const row = await changeConfig(ctx, caller.orgId, async (tx) => {
    const [created] = await tx
      .insert(apiKeys)
      .values({
        id: newId(),
        orgId: caller.orgId,
        name: input.name,
        prefix,
        secretHash,
        permissions,
        createdBy: creatorId,
        expiresAt,
        createdAt: now,
      })
      .returning();
    if (created === undefined) throw new Error('insert returned no row');
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'apikey.create',
      targetType: 'api_key',
      targetId: created.id,
      ip: caller.ip,
      data: { name: input.name, permissions, expiresAt: iso(expiresAt) },
    });
    return created;
  });
  return { ...apiKeyViewOf(row), key };
}

/** Revokes a key of the org (it gets 401 from then on); revoking a revoked key changes nothing. */
export async function revokeApiKey(ctx: AdminContext, caller: Caller, apiKeyId: string): Promise<void> {
  await changeConfig(ctx, caller.orgId, async (tx) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: ctx.now() })
      .where(and(eq(apiKeys.orgId, caller.orgId), eq(apiKeys.id, apiKeyId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id, name: apiKeys.name });
    if (revoked === undefined) {
      await getApiKey(tx, caller.orgId, apiKeyId); // 404 unless it exists (and was revoked before)
      return;
    }
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'apikey.revoke',
      targetType: 'api_key',
      targetId: revoked.id,
      ip: caller.ip,
      data: { name: revoked.name },
    });
  });
}
