import type { CreateSiteTargetRequest, SiteTargetView } from '@rustronaut/contracts';
import { newId, sites, siteTargets, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, asc, eq, gt } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { iso } from '../../http/views.js';
import type { ChangeSource } from '../change-source.js';
import { changeConfig } from '../config-change.js';
import { ofOrg } from '../org-rows.js';

type TargetRow = typeof siteTargets.$inferSelect;
type SiteRow = typeof sites.$inferSelect;

/** The health a connector reported for a target, from its heartbeat status field `target:<name>`. */
function healthOf(site: Pick<SiteRow, 'status'>, name: string): SiteTargetView['health'] {
  const value = site.status?.[`target:${name}`];
  return value === 'up' || value === 'down' ? value : 'unknown';
}

/** A target as the API shows it. */
export function siteTargetViewOf(row: TargetRow, site: Pick<SiteRow, 'status' | 'tunnelAddress'>): SiteTargetView {
  return {
    id: row.id,
    siteId: row.siteId,
    name: row.name,
    host: row.host,
    port: row.port,
    tunnelPort: row.tunnelPort,
    upstream: site.tunnelAddress === null ? null : `${site.tunnelAddress}:${String(row.tunnelPort)}`,
    health: healthOf(site, row.name),
    createdAt: iso(row.createdAt),
  };
}

/** First port tried when a target's own port is taken on the site's tunnel address. */
const FIRST_SPARE_PORT = 20_000;

/** `port` when no target of the site listens there yet, else the lowest free port from 20000. */
async function freeTunnelPort(tx: DrizzleDatabase, siteId: string, port: number): Promise<number> {
  const rows = await tx
    .select({ port: siteTargets.tunnelPort })
    .from(siteTargets)
    .where(eq(siteTargets.siteId, siteId));
  const taken = new Set(rows.map((row) => row.port));
  if (!taken.has(port)) return port;
  let spare = FIRST_SPARE_PORT;
  while (taken.has(spare)) spare++;
  return spare;
}

const notFound = () => errors.notFound.create('no such site target');

/** A page of an org's site targets (of one site, when given) in id order; `limit + 1` views, for `pageOf`. */
export async function listSiteTargets(
  ctx: AdminContext,
  orgId: string,
  query: { siteId?: string | undefined; after?: string | undefined; limit: number },
): Promise<SiteTargetView[]> {
  const conditions = [eq(siteTargets.orgId, orgId)];
  if (query.siteId !== undefined) conditions.push(eq(siteTargets.siteId, query.siteId));
  if (query.after !== undefined) conditions.push(gt(siteTargets.id, query.after));
  const rows = await ctx.db
    .select({ target: siteTargets, site: { status: sites.status, tunnelAddress: sites.tunnelAddress } })
    .from(siteTargets)
    .innerJoin(sites, eq(sites.id, siteTargets.siteId))
    .where(and(...conditions))
    .orderBy(asc(siteTargets.id))
    .limit(query.limit + 1);
  return rows.map((row) => siteTargetViewOf(row.target, row.site));
}

/** One site target of the org; 404 when it does not exist or belongs to another org. */
export async function getSiteTarget(ctx: AdminContext, orgId: string, targetId: string): Promise<SiteTargetView> {
  const [row] = await ctx.db
    .select({ target: siteTargets, site: { status: sites.status, tunnelAddress: sites.tunnelAddress } })
    .from(siteTargets)
    .innerJoin(sites, eq(sites.id, siteTargets.siteId))
    .where(and(eq(siteTargets.orgId, orgId), eq(siteTargets.id, targetId)));
  if (row === undefined) throw notFound();
  return siteTargetViewOf(row.target, row.site);
}

/**
 * Adds a target to a site; the connector starts forwarding `<tunnel address>:<tunnelPort>` to `host:port` once it
 * gets the new snapshot. 400 for a site of another org; 409 when the name, the tunnel port or the local address is
 * taken in the site.
 */
export async function createSiteTarget(
  ctx: AdminContext,
  orgId: string,
  input: CreateSiteTargetRequest,
  source: ChangeSource,
): Promise<SiteTargetView> {
  return changeConfig(ctx, orgId, async (tx) => {
    const [site] = await tx
      .select()
      .from(sites)
      .where(ofOrg(sites, orgId, input.siteId))
      .for('update');
    if (site === undefined) {
      throw errors.validation.create('body.siteId: no such site in this organisation', {
        details: { errors: [{ field: 'body.siteId', message: 'no such site in this organisation' }] },
      });
    }
    const id = newId();
    const tunnelPort = input.tunnelPort ?? (await freeTunnelPort(tx, site.id, input.port));
    const [row] = await tx
      .insert(siteTargets)
      .values({
        id,
        orgId,
        siteId: site.id,
        name: input.name,
        host: input.host.toLowerCase(),
        port: input.port,
        tunnelPort,
      })
      .returning();
    if (row === undefined) throw new Error('insert returned no row');
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'site.target.create',
      targetType: 'site_target',
      targetId: id,
      ip: source.ip,
      data: { siteId: site.id, name: row.name, host: row.host, port: row.port, tunnelPort: row.tunnelPort },
    });
    return siteTargetViewOf(row, site);
  });
}

/** Removes a target: the connector stops listening for it; resources still naming it are left out of snapshots. */
export async function deleteSiteTarget(
  ctx: AdminContext,
  orgId: string,
  targetId: string,
  source: ChangeSource,
): Promise<void> {
  await changeConfig(ctx, orgId, async (tx) => {
    const [deleted] = await tx
      .delete(siteTargets)
      .where(and(eq(siteTargets.id, targetId), eq(siteTargets.orgId, orgId)))
      .returning({ name: siteTargets.name, siteId: siteTargets.siteId });
    if (deleted === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'site.target.delete',
      targetType: 'site_target',
      targetId,
      ip: source.ip,
      data: { siteId: deleted.siteId, name: deleted.name },
    });
  });
}
