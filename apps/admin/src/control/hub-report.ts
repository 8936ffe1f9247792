import type { HubReportRequest } from '@rustronaut/contracts';
import { devices, gateways, sites } from '@rustronaut/db';
import { and, eq } from 'drizzle-orm';
import type { AdminContext } from '../context.js';
import { formatEndpoint } from '../modules/tunnels/hub.js';
import { bumpConfigVersion } from './config-changes.js';

/** The hub that sent a report, as the control channel identified it. */
export interface ReportingHub {
  readonly id: string;
  readonly orgId: string;
  readonly fingerprint: string;
}

/**
 * Records a hub's report: its WireGuard key and endpoint (a change bumps the org's config version, so connectors
 * learn the new key or address at once), and each peer's last handshake and byte counters on its site or device.
 */
export async function recordHubReport(ctx: AdminContext, hub: ReportingHub, report: HubReportRequest): Promise<void> {
  const now = ctx.now();
  const endpoint = formatEndpoint(report.endpoint);
  const changed = await ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select({ publicKey: gateways.wgPublicKey, endpoint: gateways.wgEndpoint })
      .from(gateways)
      .where(and(eq(gateways.id, hub.id), eq(gateways.certFingerprint, hub.fingerprint)))
      .for('update');
    if (before === undefined) return false;
    await tx
      .update(gateways)
      .set({ wgPublicKey: report.publicKey, wgEndpoint: endpoint, lastSeenAt: now })
      .where(eq(gateways.id, hub.id));
    for (const peer of report.peers) {
      const stats = {
        lastHandshakeAt: peer.lastHandshakeAt === null ? null : new Date(peer.lastHandshakeAt),
        rxBytes: peer.rxBytes,
        txBytes: peer.txBytes,
      };
      await tx
        .update(sites)
        .set({ ...stats, peerReportedAt: now })
        .where(and(eq(sites.orgId, hub.orgId), eq(sites.publicKey, peer.publicKey)));
      await tx
        .update(devices)
        .set(stats)
        .where(and(eq(devices.orgId, hub.orgId), eq(devices.publicKey, peer.publicKey)));
    }
    const moved = before.publicKey !== report.publicKey || before.endpoint !== endpoint;
    if (moved) await bumpConfigVersion(tx, hub.orgId);
    return moved;
  });
  if (changed) ctx.changes.notify(hub.orgId);
}
