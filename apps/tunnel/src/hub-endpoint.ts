import type { Config } from '@rustronaut/config';

/**
 * Where connectors and devices reach this hub: `tunnel.endpoint`, or else the host of `admin.publicUrl` (or of the
 * admin URL the hub enrolled with) and `tunnel.listenPort`: the hub usually runs beside the gateway, on the host
 * name the admin is known by.
 */
export function hubEndpoint(config: Config, adminUrl: string): { host: string; port: number } {
  const configured = config.tunnel.endpoint;
  if (configured !== undefined) {
    const colon = configured.lastIndexOf(':');
    return { host: configured.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(configured.slice(colon + 1)) };
  }
  const host = new URL(config.admin.publicUrl ?? adminUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: config.tunnel.listenPort };
}
