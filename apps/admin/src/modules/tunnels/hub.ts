import { gateways, type DrizzleDatabase } from '@rustronaut/db';
import { hubAddress, type AddressPool } from '@rustronaut/wireguard';
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';

/** The org's tunnel hub as sites and devices dial it. */
export interface HubPeerInfo {
  readonly publicKey: string;
  readonly endpoint: { readonly host: string; readonly port: number };
  /** The hub's tunnel address: the pool's first host address. */
  readonly address: string;
}

/**
 * The org's tunnel hub: the enrolled hub that reported its key and endpoint most recently, or undefined while none
 * has. One hub per organisation is what the tunnels serve today (docs/tunnels.md); with several, sites follow the
 * freshest.
 */
export async function orgHub(db: DrizzleDatabase, orgId: string, pool: AddressPool): Promise<HubPeerInfo | undefined> {
  const [row] = await db
    .select({ publicKey: gateways.wgPublicKey, endpoint: gateways.wgEndpoint })
    .from(gateways)
    .where(
      and(
        eq(gateways.orgId, orgId),
        eq(gateways.kind, 'hub'),
        isNotNull(gateways.certFingerprint),
        isNotNull(gateways.wgPublicKey),
        isNotNull(gateways.wgEndpoint),
      ),
    )
    .orderBy(sql`${gateways.lastSeenAt} desc nulls last`, desc(gateways.id))
    .limit(1);
  if (row === undefined || row.publicKey === null || row.endpoint === null) return undefined;
  return { publicKey: row.publicKey, endpoint: parseEndpoint(row.endpoint), address: hubAddress(pool) };
}

/** `host:port` or `[v6]:port` as stored, to its parts. */
export function parseEndpoint(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(colon + 1)) };
}

/** The parts of an endpoint as stored: `host:port`, an IPv6 literal bracketed (RFC 3986 §3.2.2). */
export function formatEndpoint(endpoint: { host: string; port: number }): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${String(endpoint.port)}`;
}
