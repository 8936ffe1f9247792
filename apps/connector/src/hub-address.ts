import type { Logger } from '@rustronaut/observability';
import type { Endpoint } from '@rustronaut/wireguard';
import { lookup as systemLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** A handshake older than this means the session is gone (WireGuard renews every 2 minutes). */
export const STALE_HANDSHAKE_MS = 180_000;

/** Looks a host name up as the system does (`getaddrinfo`: `/etc/hosts`, then DNS): one address. */
export type LookupHost = (host: string) => Promise<{ address: string }>;

/** Where the connector sends the hub's packets, as last looked up. */
export interface HubAddress {
  /**
   * The endpoint of the hub at `host:port`: an IP literal as it is; a name looked up when it differs from the last
   * one, or when `again` (the tunnel went quiet: the hub may have moved). A failed lookup rejects and keeps the
   * endpoint of the last one.
   */
  resolve(host: string, port: number, again: boolean): Promise<Endpoint>;
}

export function createHubAddress(logger: Logger, lookup: LookupHost = (host) => systemLookup(host)): HubAddress {
  let last: { endpoint: Endpoint; from: string } | undefined;
  return {
    async resolve(host, port, again) {
      const from = `${host}:${String(port)}`;
      if (last !== undefined && last.from === from && !again) return last.endpoint;
      const endpoint = isIP(host) !== 0 ? { address: host, port } : { address: (await lookup(host)).address, port };
      if (last !== undefined && last.from === from && last.endpoint.address !== endpoint.address) {
        logger.info({ hub: from, from: last.endpoint.address, to: endpoint.address }, 'the hub moved');
      }
      last = { endpoint, from };
      return endpoint;
    },
  };
}

/**
 * Whether a tunnel that is up should look the hub's name up again: only for a hub known by name, and only when the
 * last handshake (none counts as long ago) is older than {@link STALE_HANDSHAKE_MS}.
 */
export function hubMayHaveMoved(host: string, lastHandshake: Date | undefined, now: number): boolean {
  return isIP(host) === 0 && now - (lastHandshake?.getTime() ?? 0) > STALE_HANDSHAKE_MS;
}
