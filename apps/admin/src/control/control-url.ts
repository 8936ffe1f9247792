import type { Config } from '@rustronaut/config';

const ANY_HOST = new Set(['', '0.0.0.0', '::']);

/** The host agents dial: the control listener's own host, or, when it binds every interface, the public URL's. */
function dialHost(config: Config): string {
  const host = config.admin.controlListen.host;
  if (!ANY_HOST.has(host)) return host;
  return config.admin.publicUrl === undefined ? 'localhost' : new URL(config.admin.publicUrl).hostname;
}

/**
 * Base URL of the control listener that enrolment hands to agents: `https://<host>:<port>`, where the host is
 * `admin.controlListen`'s, or `admin.publicUrl`'s when the listener binds every interface. `port` is the bound port
 * (differs from the configured one only for port 0).
 */
export function controlUrlOf(config: Config, port = config.admin.controlListen.port): string {
  const host = dialHost(config).replace(/^\[|\]$/g, '');
  return `https://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
}

/** Names the control listener's certificate covers: loopback, and the hosts of the listener and the public URL. */
export function controlServerNames(config: Config): string[] {
  const names = ['localhost', '127.0.0.1', '::1', dialHost(config)];
  if (config.admin.publicUrl !== undefined) names.push(new URL(config.admin.publicUrl).hostname);
  return [...new Set(names.map((n) => n.replace(/^\[|\]$/g, '')).filter((n) => !ANY_HOST.has(n)))];
}
