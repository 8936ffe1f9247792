import type {
  CreateSiteRequest,
  SiteOfflineReason,
  SiteTokenView,
  SiteView,
  UpdateSiteRequest,
} from '@rustronaut/contracts';
import { newId, resources, sites } from '@rustronaut/db';
import { parsePool } from '@rustronaut/wireguard';
import { errors } from '@rustronaut/errors';
import { count, eq } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { iso, isoOrNull } from '../../http/views.js';
import type { ChangeSource } from '../change-source.js';
import { changeConfig } from '../config-change.js';
import { mintEnrolToken } from '../gateways/enrol-token.js';
import { ofOrg, oneOfOrg, pageOfOrg } from '../org-rows.js';
import { allocateTunnelAddress } from '../tunnels/ipam.js';

type SiteRow = typeof sites.$inferSelect;

/** A connector seen within this long is online. */
export const SITE_ONLINE_WINDOW_MS = 90_000;

/** A handshake older than this is stale: WireGuard renews the session every 2 minutes while traffic or keepalives flow. */
export const HANDSHAKE_FRESH_MS = 180_000;

/** How long a site's connector enrolment token is valid: installing a connector may take a while. */
export const SITE_TOKEN_TTL_MS = 24 * 60 * 60_000;

/** Why the site at `now` is offline, or null when it is online. */
function offlineReasonOf(row: SiteRow, now: Date): SiteOfflineReason | null {
  if (row.certFingerprint === null) return 'not_enrolled';
  if (row.lastSeenAt === null || now.getTime() - row.lastSeenAt.getTime() > SITE_ONLINE_WINDOW_MS) {
    return 'connector_not_seen';
  }
  if (row.lastHandshakeAt === null) return 'no_handshake';
  if (now.getTime() - row.lastHandshakeAt.getTime() > HANDSHAKE_FRESH_MS) return 'handshake_stale';
  return null;
}

/** A site row as the API shows it at `now`: never the token hash or the certificate fingerprint. */
export function siteViewOf(row: SiteRow, now: Date): SiteView {
  const offlineReason = offlineReasonOf(row, now);
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    description: row.description,
    online: offlineReason === null,
    offlineReason,
    enrolled: row.certFingerprint !== null,
    enrolTokenExpiresAt: row.enrolTokenHash === null ? null : isoOrNull(row.enrolTokenExpiresAt),
    lastSeenAt: isoOrNull(row.lastSeenAt),
    lastHandshakeAt: isoOrNull(row.lastHandshakeAt),
    rxBytes: row.rxBytes,
    txBytes: row.txBytes,
    agentVersion: row.agentVersion,
    tunnelAddress: row.tunnelAddress,
    publicKey: row.publicKey,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const notFound = () => errors.notFound.create('no such site');

/** A page of an org's sites in id order, after `after`; `limit + 1` rows, for `pageOf`. */
export function listSites(ctx: AdminContext, orgId: string, after: string | undefined, limit: number) {
  return pageOfOrg(ctx.db, sites, orgId, after, limit);
}

/** One site of the org; 404 when it does not exist or belongs to another org. */
export function getSite(ctx: AdminContext, orgId: string, siteId: string): Promise<SiteRow> {
  return oneOfOrg(ctx.db, sites, orgId, siteId, notFound);
}

/**
 * Creates a site with its tunnel address (from IPAM, so resources can be routed to it before a connector enrols)
 * and a one-time connector enrolment token, shown once; 409 when the name is taken in the org.
 */
export async function createSite(
  ctx: AdminContext,
  orgId: string,
  input: CreateSiteRequest,
  source: ChangeSource,
): Promise<SiteTokenView> {
  const pool = parsePool(ctx.config.tunnel.pool);
  const now = ctx.now();
  const minted = mintEnrolToken(now, 'rst', SITE_TOKEN_TTL_MS);
  const row = await changeConfig(ctx, orgId, async (tx) => {
    const id = newId();
    const created = await allocateTunnelAddress(tx, pool, async (tunnelAddress) => {
      const [inserted] = await tx
        .insert(sites)
        .values({
          id,
          orgId,
          name: input.name,
          description: input.description,
          tunnelAddress,
          enrolTokenHash: minted.hash,
          enrolTokenExpiresAt: minted.expiresAt,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (inserted === undefined) throw new Error('insert returned no row');
      return { owner: { siteId: id }, value: inserted };
    });
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'site.create',
      targetType: 'site',
      targetId: id,
      ip: source.ip,
      data: { name: input.name, description: input.description, tunnelAddress: created.tunnelAddress },
    });
    return created;
  });
  return { ...siteViewOf(row, now), enrolToken: minted.token };
}

/**
 * Issues a new one-time connector enrolment token; the previous one stops working. A connector enrolled before
 * keeps working until another enrols with the new token (which replaces its certificate and key).
 */
export async function issueSiteToken(
  ctx: AdminContext,
  orgId: string,
  siteId: string,
  source: ChangeSource,
): Promise<SiteTokenView> {
  const now = ctx.now();
  const minted = mintEnrolToken(now, 'rst', SITE_TOKEN_TTL_MS);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(sites)
      .set({ enrolTokenHash: minted.hash, enrolTokenExpiresAt: minted.expiresAt, updatedAt: now })
      .where(ofOrg(sites, orgId, siteId))
      .returning();
    if (updated === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'site.token.create',
      targetType: 'site',
      targetId: siteId,
      ip: source.ip,
      data: { enrolTokenExpiresAt: minted.expiresAt.toISOString() },
    });
    return updated;
  });
  return { ...siteViewOf(row, now), enrolToken: minted.token };
}

/** Renames or redescribes a site. */
export async function updateSite(
  ctx: AdminContext,
  orgId: string,
  siteId: string,
  patch: UpdateSiteRequest,
  source: ChangeSource,
): Promise<SiteRow> {
  const given = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  return changeConfig(ctx, orgId, async (tx) => {
    const [row] = await tx
      .update(sites)
      .set({ ...given, updatedAt: ctx.now() })
      .where(ofOrg(sites, orgId, siteId))
      .returning();
    if (row === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'site.update',
      targetType: 'site',
      targetId: siteId,
      ip: source.ip,
      data: given,
    });
    return row;
  });
}

/**
 * Deletes a site; 409 while a resource is reached through it. The site row is locked first, so a resource
 * being linked to it concurrently is counted.
 */
export async function deleteSite(
  ctx: AdminContext,
  orgId: string,
  siteId: string,
  source: ChangeSource,
): Promise<void> {
  await changeConfig(ctx, orgId, async (tx) => {
    const [row] = await tx
      .select({ name: sites.name })
      .from(sites)
      .where(ofOrg(sites, orgId, siteId))
      .for('update');
    if (row === undefined) throw notFound();
    const [used] = await tx.select({ n: count() }).from(resources).where(eq(resources.siteId, siteId));
    const n = used?.n ?? 0;
    if (n > 0) {
      throw errors.conflict.create(
        `the site is used by ${String(n)} resource${n === 1 ? '' : 's'}; move or delete them first`,
      );
    }
    await tx.delete(sites).where(eq(sites.id, siteId));
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'site.delete',
      targetType: 'site',
      targetId: siteId,
      ip: source.ip,
      data: { name: row.name },
    });
  });
}
