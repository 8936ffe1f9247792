import type { CreateDeviceRequest, DeviceConfigView, DeviceCreatedView, DeviceView } from '@rustronaut/contracts';
import { devices, newId, sites, siteTargets, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { generateKeyPair, parsePool, renderConfigQr, renderWgQuickConfig } from '@rustronaut/wireguard';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { Principal } from '../../auth/principal.js';
import type { AdminContext } from '../../context.js';
import { iso, isoOrNull } from '../../http/views.js';
import type { ChangeSource } from '../change-source.js';
import { changeConfig } from '../config-change.js';
import { oneOfOrg, pageOfOrg } from '../org-rows.js';
import { orgHub, type HubPeerInfo } from '../tunnels/hub.js';
import { allocateTunnelAddress } from '../tunnels/ipam.js';

type DeviceRow = typeof devices.$inferSelect;

/** Keepalive a device sends through NAT (seconds), as the WireGuard docs suggest for roaming clients. */
const DEVICE_KEEPALIVE_S = 25;

const notFound = () => errors.notFound.create('no such device');

/** The sites (tunnel addresses) and site targets that a set of devices were granted, read in two queries. */
interface Grants {
  readonly address: ReadonlyMap<string, string | null>;
  readonly targets: ReadonlyArray<{ siteId: string; name: string; tunnelPort: number }>;
}

async function grantsOf(db: DrizzleDatabase, orgId: string, rows: readonly DeviceRow[]): Promise<Grants> {
  const siteIds = [...new Set(rows.flatMap((row) => row.siteIds))];
  if (siteIds.length === 0) return { address: new Map(), targets: [] };
  const granted = await db
    .select({ id: sites.id, address: sites.tunnelAddress })
    .from(sites)
    .where(and(eq(sites.orgId, orgId), inArray(sites.id, siteIds)));
  const address = new Map(granted.map((s) => [s.id, s.address]));
  if (address.size === 0) return { address, targets: [] };
  const targets = await db
    .select({ siteId: siteTargets.siteId, name: siteTargets.name, tunnelPort: siteTargets.tunnelPort })
    .from(siteTargets)
    .where(inArray(siteTargets.siteId, [...address.keys()]))
    .orderBy(asc(siteTargets.tunnelPort));
  return { address, targets };
}

/**
 * What a device is given: its `AllowedIPs`, the hub's address and the tunnel addresses of the sites it was granted,
 * each a /32 (nothing wider: the device reaches what it was given, not the whole pool); and the targets of those
 * sites at `<site address>:<tunnelPort>`, where the hub lets it through.
 */
function viewOf(ctx: AdminContext, row: DeviceRow, grants: Grants): DeviceView {
  const hub = parsePool(ctx.config.tunnel.pool).hub;
  const reached = row.siteIds.flatMap((siteId) => {
    const at = grants.address.get(siteId);
    return at === undefined || at === null ? [] : [{ siteId, at }];
  });
  return {
    id: row.id,
    orgId: row.orgId,
    userId: row.userId,
    name: row.name,
    publicKey: row.publicKey,
    tunnelAddress: row.tunnelAddress,
    siteIds: row.siteIds,
    allowedIps: [`${hub}/32`, ...reached.map(({ at }) => `${at}/32`)],
    targets: reached.flatMap(({ siteId, at }) =>
      grants.targets
        .filter((t) => t.siteId === siteId)
        .map((t) => ({ siteId, name: t.name, address: `${at}:${String(t.tunnelPort)}` })),
    ),
    lastHandshakeAt: isoOrNull(row.lastHandshakeAt),
    rxBytes: row.rxBytes,
    txBytes: row.txBytes,
    createdAt: iso(row.createdAt),
  };
}

const viewOne = async (ctx: AdminContext, row: DeviceRow) => viewOf(ctx, row, await grantsOf(ctx.db, row.orgId, [row]));

async function configOf(view: DeviceView, hub: HubPeerInfo, privateKey?: string): Promise<DeviceConfigView> {
  const config = renderWgQuickConfig({
    ...(privateKey === undefined ? {} : { privateKey }),
    address: `${view.tunnelAddress}/32`,
    peer: {
      publicKey: hub.publicKey,
      endpoint: hub.endpoint,
      allowedIps: view.allowedIps,
      persistentKeepalive: DEVICE_KEEPALIVE_S,
    },
  });
  const [qrSvg, png] = await Promise.all([renderConfigQr(config, 'svg'), renderConfigQr(config, 'png')]);
  return { config, qrSvg, qrPng: png.toString('base64') };
}

async function requireHub(ctx: AdminContext, orgId: string): Promise<HubPeerInfo> {
  const hub = await orgHub(ctx.db, orgId, parsePool(ctx.config.tunnel.pool));
  if (hub === undefined) {
    throw errors.tunnelNoHub.create(
      'no tunnel hub of this organisation has reported its key and endpoint yet: start `rustronaut tunnel` first',
    );
  }
  return hub;
}

/** The user a device created by `principal` belongs to: the user, or the user who created the API key. */
function ownerOf(principal: Principal): string {
  if (principal.type === 'user') return principal.userId;
  if (principal.createdBy !== null) return principal.createdBy;
  throw errors.forbidden.create('a device belongs to a user: this API key has no creating user');
}

/** A page of an org's devices in id order, after `after`; `limit + 1` rows, for `pageOf`. */
export async function listDevices(ctx: AdminContext, orgId: string, after: string | undefined, limit: number) {
  const rows = await pageOfOrg(ctx.db, devices, orgId, after, limit);
  // One read of the grants for the whole page, not one per device.
  const grants = await grantsOf(ctx.db, orgId, rows);
  return rows.map((row) => viewOf(ctx, row, grants));
}

/** One device of the org; 404 when it does not exist or belongs to another org. */
export async function getDevice(ctx: AdminContext, orgId: string, deviceId: string): Promise<DeviceView> {
  return viewOne(ctx, await oneOfOrg(ctx.db, devices, orgId, deviceId, notFound));
}

/** A device's config without its private key (the admin never kept it), and its QR code. */
export async function getDeviceConfig(ctx: AdminContext, orgId: string, deviceId: string): Promise<DeviceConfigView> {
  const view = await getDevice(ctx, orgId, deviceId);
  return configOf(view, await requireHub(ctx, orgId));
}

/**
 * Creates a client device for the caller: a tunnel address from IPAM, the caller's public key or a generated key
 * pair (the private key goes into the answer's config and is never stored), and the config. 409 without a hub
 * (ERR_TUNNEL_NO_HUB), for a name or key in use; 400 for a site of another organisation.
 */
export async function createDevice(
  ctx: AdminContext,
  orgId: string,
  principal: Principal,
  input: CreateDeviceRequest,
  source: ChangeSource,
): Promise<DeviceCreatedView> {
  const hub = await requireHub(ctx, orgId);
  const userId = ownerOf(principal);
  const siteIds = [...new Set(input.siteIds)];
  const generated = input.publicKey === undefined ? generateKeyPair() : undefined;
  const publicKey = input.publicKey ?? generated!.publicKey;
  const pool = parsePool(ctx.config.tunnel.pool);
  const row = await changeConfig(ctx, orgId, async (tx) => {
    if (siteIds.length > 0) {
      const found = await tx
        .select({ id: sites.id })
        .from(sites)
        .where(and(eq(sites.orgId, orgId), inArray(sites.id, siteIds)))
        .for('key share');
      if (found.length !== siteIds.length) {
        throw errors.validation.create('body.siteIds: no such site in this organisation', {
          details: { errors: [{ field: 'body.siteIds', message: 'no such site in this organisation' }] },
        });
      }
    }
    const [siteWithKey] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.publicKey, publicKey));
    if (siteWithKey !== undefined) throw errors.conflict.create('this WireGuard public key belongs to a site');
    const id = newId();
    const created = await allocateTunnelAddress(tx, pool, async (tunnelAddress) => {
      const [inserted] = await tx
        .insert(devices)
        .values({ id, orgId, userId, name: input.name, publicKey, tunnelAddress, siteIds, createdAt: ctx.now() })
        .returning();
      if (inserted === undefined) throw new Error('insert returned no row');
      return { owner: { deviceId: id }, value: inserted };
    });
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'device.create',
      targetType: 'device',
      targetId: id,
      ip: source.ip,
      data: { name: input.name, userId, publicKey, tunnelAddress: created.tunnelAddress, siteIds },
    });
    return created;
  });
  const device = await viewOne(ctx, row);
  return { device, config: await configOf(device, hub, generated?.privateKey) };
}

/** Deletes a device: the hub drops its peer, and its tunnel address is released. */
export async function deleteDevice(
  ctx: AdminContext,
  orgId: string,
  deviceId: string,
  source: ChangeSource,
): Promise<void> {
  await changeConfig(ctx, orgId, async (tx) => {
    const [deleted] = await tx
      .delete(devices)
      .where(and(eq(devices.orgId, orgId), eq(devices.id, deviceId)))
      .returning({ name: devices.name });
    if (deleted === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'device.delete',
      targetType: 'device',
      targetId: deviceId,
      ip: source.ip,
      data: { name: deleted.name },
    });
  });
}
