import { siteTargets, sites, type DrizzleDatabase } from '@rustronaut/db';
import { and, eq, isNotNull } from 'drizzle-orm';

/** What {@link routeThroughSites} reads of a resource row. */
export interface SiteLinkedResource {
  readonly id: string;
  readonly name: string;
  readonly targets: unknown[];
  /** The site the resource is reached through, if any. */
  readonly siteId: string | null;
}

/** The targets of one site, keyed by `host:port` as the site sees them, to where gateways reach them. */
type SiteRoutes = Map<string, Map<string, string>>;

const local = (host: string, port: number) => `${host.toLowerCase()}:${String(port)}`;

/** Every site target of the org, as `siteId → host:port → <tunnel address>:<tunnel port>`. */
export async function loadSiteRoutes(db: DrizzleDatabase, orgId: string): Promise<SiteRoutes> {
  const rows = await db
    .select({
      siteId: siteTargets.siteId,
      host: siteTargets.host,
      port: siteTargets.port,
      tunnelPort: siteTargets.tunnelPort,
      address: sites.tunnelAddress,
    })
    .from(siteTargets)
    .innerJoin(sites, eq(sites.id, siteTargets.siteId))
    .where(and(eq(siteTargets.orgId, orgId), isNotNull(sites.tunnelAddress)));
  const routes: SiteRoutes = new Map();
  for (const row of rows) {
    const site = routes.get(row.siteId) ?? new Map<string, string>();
    site.set(local(row.host, row.port), `${row.address ?? ''}:${String(row.tunnelPort)}`);
    routes.set(row.siteId, site);
  }
  return routes;
}

/**
 * Rewrites the targets of resources reached through a site: a target names the service as the site sees it
 * (`http://192.168.1.10:8080`, `{ host: "192.168.1.10", port: 5432 }`), and gateways reach it at the site's tunnel
 * address and the target's tunnel port, where the connector forwards it. A target that is not a target of the site
 * leaves the resource out (reported through `onSkip`): the connector would refuse it anyway.
 */
export function routeThroughSites<R extends SiteLinkedResource>(
  rows: readonly R[],
  routes: SiteRoutes,
  onSkip: (skipped: { id: string; name: string; reason: string }) => void,
): R[] {
  const out: R[] = [];
  for (const row of rows) {
    if (row.siteId === null) {
      out.push(row);
      continue;
    }
    const site = routes.get(row.siteId) ?? new Map<string, string>();
    const missing: string[] = [];
    const targets = row.targets.map((target) => {
      const rewritten = rewrite(target, site);
      if (rewritten === undefined) missing.push(describeTarget(target));
      return rewritten;
    });
    if (missing.length > 0) {
      onSkip({
        id: row.id,
        name: row.name,
        reason: `${missing.join(', ')} is not a target of its site: add it to the site's targets`,
      });
      continue;
    }
    out.push({ ...row, targets });
  }
  return out;
}

function rewrite(target: unknown, site: Map<string, string>): unknown {
  if (typeof target !== 'object' || target === null) return undefined;
  const t = target as { url?: unknown; host?: unknown; port?: unknown };
  if (typeof t.url === 'string') {
    let url: URL;
    try {
      url = new URL(t.url);
    } catch {
      return undefined;
    }
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const via = site.get(local(url.hostname.replace(/^\[(.*)\]$/, '$1'), port));
    if (via === undefined) return undefined;
    return { ...t, url: `${url.protocol}//${via}${url.pathname === '/' ? '' : url.pathname}` };
  }
  if (typeof t.host === 'string' && typeof t.port === 'number') {
    const via = site.get(local(t.host, t.port));
    if (via === undefined) return undefined;
    const colon = via.lastIndexOf(':');
    return { ...t, host: via.slice(0, colon), port: Number(via.slice(colon + 1)) };
  }
  return undefined;
}

function describeTarget(target: unknown): string {
  const t = (target ?? {}) as { url?: unknown; host?: unknown; port?: unknown };
  return typeof t.url === 'string' ? t.url : `${String(t.host)}:${String(t.port)}`;
}
