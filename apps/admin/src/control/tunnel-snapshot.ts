import {
  gatewayFileSchema,
  type ConfigSnapshot,
  type HubPeer,
  type HubTunnelConfig,
  type SiteTunnelConfig,
} from '@rustronaut/contracts';
import { configVersions, devices, sites, siteTargets, type DrizzleDatabase } from '@rustronaut/db';
import type { AddressPool } from '@rustronaut/wireguard';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { orgHub } from '../modules/tunnels/hub.js';

const EMPTY_CONFIG = gatewayFileSchema.parse({});
/** Hubs and connectors terminate no TLS for users. */
const NO_TLS = { certificates: [], challenges: [] };

async function versionOf(db: DrizzleDatabase, orgId: string): Promise<number> {
  const [row] = await db
    .select({ version: configVersions.version })
    .from(configVersions)
    .where(eq(configVersions.orgId, orgId));
  return row?.version ?? 0;
}

const prefixLength = (pool: AddressPool) => pool.cidr.slice(pool.cidr.indexOf('/'));

/**
 * A hub's snapshot: its address (with the pool's prefix, so the pool is routed into the tunnel) and one peer per
 * enrolled site and per client device, each allowed its own /32; a device's `reach` lists the enrolled sites it was
 * granted (with targets), the tunnel ports the hub forwards its packets to. No routes: a hub serves no HTTP.
 */
export async function buildHubSnapshot(
  db: DrizzleDatabase,
  orgId: string,
  pool: AddressPool,
): Promise<ConfigSnapshot & { tunnel: HubTunnelConfig }> {
  const version = await versionOf(db, orgId);
  const siteRows = await db
    .select({ id: sites.id, name: sites.name, publicKey: sites.publicKey, address: sites.tunnelAddress })
    .from(sites)
    .where(and(eq(sites.orgId, orgId), isNotNull(sites.publicKey), isNotNull(sites.tunnelAddress)))
    .orderBy(asc(sites.id));
  const deviceRows = await db
    .select({
      id: devices.id,
      name: devices.name,
      publicKey: devices.publicKey,
      address: devices.tunnelAddress,
      siteIds: devices.siteIds,
    })
    .from(devices)
    .where(eq(devices.orgId, orgId))
    .orderBy(asc(devices.id));
  const ports = new Map<string, number[]>();
  const targetRows = await db
    .select({ siteId: siteTargets.siteId, tunnelPort: siteTargets.tunnelPort })
    .from(siteTargets)
    .innerJoin(sites, eq(sites.id, siteTargets.siteId))
    .where(eq(sites.orgId, orgId))
    .orderBy(asc(siteTargets.tunnelPort));
  for (const t of targetRows) {
    const list = ports.get(t.siteId);
    if (list === undefined) ports.set(t.siteId, [t.tunnelPort]);
    else list.push(t.tunnelPort);
  }
  // What a granted site offers a device: its targets' ports; a site without targets (or not enrolled) offers none.
  const reachable = new Map<string, { address: string; ports: number[] }>();
  for (const s of siteRows) {
    const sitePorts = ports.get(s.id);
    if (sitePorts !== undefined) reachable.set(s.id, { address: s.address ?? '', ports: sitePorts });
  }
  const peers: HubPeer[] = [
    ...siteRows.map((s) => ({
      id: s.id,
      kind: 'site' as const,
      name: s.name,
      publicKey: s.publicKey ?? '',
      allowedIps: [`${s.address ?? ''}/32`],
      reach: [],
    })),
    ...deviceRows.map((d) => ({
      id: d.id,
      kind: 'device' as const,
      name: d.name,
      publicKey: d.publicKey,
      allowedIps: [`${d.address}/32`],
      // Sites deleted since, not enrolled yet or without targets drop out.
      reach: d.siteIds.flatMap((id) => reachable.get(id) ?? []),
    })),
  ];
  return {
    orgId,
    version,
    config: EMPTY_CONFIG,
    tls: NO_TLS,
    tunnel: { address: `${pool.hub}${prefixLength(pool)}`, peers },
  };
}

/**
 * A connector's snapshot: its tunnel address (with the pool's prefix, as the hub's), the hub to dial (null until a
 * hub has reported its key and endpoint), the targets to forward, and the client devices granted the site, which
 * reach it through the hub.
 */
export async function buildSiteSnapshot(
  db: DrizzleDatabase,
  orgId: string,
  siteId: string,
  pool: AddressPool,
): Promise<ConfigSnapshot & { site: SiteTunnelConfig }> {
  const version = await versionOf(db, orgId);
  const [site] = await db
    .select({ address: sites.tunnelAddress })
    .from(sites)
    .where(and(eq(sites.orgId, orgId), eq(sites.id, siteId)));
  const targets = await db
    .select({
      id: siteTargets.id,
      name: siteTargets.name,
      host: siteTargets.host,
      port: siteTargets.port,
      tunnelPort: siteTargets.tunnelPort,
    })
    .from(siteTargets)
    .where(eq(siteTargets.siteId, siteId))
    .orderBy(asc(siteTargets.id));
  const granted = await db
    .select({ address: devices.tunnelAddress })
    .from(devices)
    .where(and(eq(devices.orgId, orgId), sql`${devices.siteIds} @> ${JSON.stringify([siteId])}::jsonb`))
    .orderBy(asc(devices.id));
  const hub = (await orgHub(db, orgId, pool)) ?? null;
  return {
    orgId,
    version,
    config: EMPTY_CONFIG,
    tls: NO_TLS,
    site: {
      siteId,
      address: `${site?.address ?? ''}${prefixLength(pool)}`,
      hub,
      targets,
      devices: granted.map((d) => d.address),
    },
  };
}
