import type { CreateSiteRequest, SiteView, UpdateSiteRequest } from '@rustronaut/contracts';
import { newId, resources, sites } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { count, eq } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { iso, isoOrNull } from '../../http/views.js';
import type { ChangeSource } from '../change-source.js';
import { changeConfig } from '../config-change.js';
import { ofOrg, oneOfOrg, pageOfOrg } from '../org-rows.js';

type SiteRow = typeof sites.$inferSelect;

/** A connector seen within this long is online. */
export const SITE_ONLINE_WINDOW_MS = 90_000;

/** A site row as the API shows it at `now`. */
export function siteViewOf(row: SiteRow, now: Date): SiteView {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    description: row.description,
    online: row.lastSeenAt !== null && now.getTime() - row.lastSeenAt.getTime() <= SITE_ONLINE_WINDOW_MS,
    lastSeenAt: isoOrNull(row.lastSeenAt),
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

/** Creates a site (not enrolled: no connector yet); 409 when the name is taken in the org. */
export async function createSite(
  ctx: AdminContext,
  orgId: string,
  input: CreateSiteRequest,
  source: ChangeSource,
): Promise<SiteRow> {
  return changeConfig(ctx, orgId, async (tx) => {
    const id = newId();
    const [row] = await tx
      .insert(sites)
      .values({ id, orgId, name: input.name, description: input.description })
      .returning();
    if (row === undefined) throw new Error('insert returned no row');
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'site.create',
      targetType: 'site',
      targetId: id,
      ip: source.ip,
      data: { name: input.name, description: input.description },
    });
    return row;
  });
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
