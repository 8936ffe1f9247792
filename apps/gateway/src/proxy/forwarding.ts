import { BlockList, isIPv6 } from 'node:net';

/** The networks whose forwarding headers are believed, compiled once per config. */
export interface TrustedProxies {
  /** True when `address` (a socket peer) is a trusted proxy. */
  trusts(address: string): boolean;
}

/** Compiles CIDRs (`10.0.0.0/8`, `::1/128`) or single addresses; throws a TypeError naming a bad entry. */
export function compileTrustedProxies(cidrs: readonly string[]): TrustedProxies {
  const list = new BlockList();
  cidrs.forEach((entry, i) => {
    const parts = entry.split('/');
    const [address = '', prefixText] = parts;
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    const max = type === 'ipv6' ? 128 : 32;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (parts.length > 2 || prefixText === '' || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new TypeError(`trustedProxies[${String(i)}]: expected a CIDR such as 10.0.0.0/8, got "${entry}"`);
    }
    try {
      list.addSubnet(address, prefix, type);
    } catch {
      throw new TypeError(`trustedProxies[${String(i)}]: expected a CIDR such as 10.0.0.0/8, got "${entry}"`);
    }
  });
  const empty = cidrs.length === 0;
  return {
    trusts: (address) => !empty && list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4'),
  };
}

/** A socket's peer address, with IPv4-mapped IPv6 (`::ffff:1.2.3.4`) shown as IPv4. */
export function peerAddress(remote: string | undefined): string {
  if (remote === undefined) return '';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

/**
 * The client address for rate limiting and logs: the peer, or, when the peer is a trusted proxy, the
 * right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left are
 * client-controlled and cannot be believed).
 */
export function clientAddress(peer: string, xff: string | string[] | undefined, trusted: TrustedProxies): string {
  if (xff === undefined || !trusted.trusts(peer)) return peer;
  const hops = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] ?? '').trim();
    if (hop !== '' && !trusted.trusts(hop)) return hop;
  }
  return peer;
}

/** One request's view of the forwarding headers to send upstream. */
export interface ForwardingInput {
  readonly peer: string;
  readonly trustedPeer: boolean;
  readonly proto: 'http' | 'https';
  readonly host: string;
  readonly xForwardedFor: string | string[] | undefined;
  readonly xForwardedProto: string | string[] | undefined;
  readonly xForwardedHost: string | string[] | undefined;
  readonly forwarded: string | string[] | undefined;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);

/**
 * Appends the forwarding headers (`X-Forwarded-For/-Proto/-Host` and RFC 7239 `Forwarded`) to a flat
 * header list. A trusted peer's values are extended; anyone else's are replaced, so a client cannot
 * spoof its address to the upstream.
 */
export function pushForwardingHeaders(out: string[], f: ForwardingInput): void {
  const xff = f.trustedPeer ? first(f.xForwardedFor) : undefined;
  out.push('x-forwarded-for', xff ? `${xff}, ${f.peer}` : f.peer);
  out.push('x-forwarded-proto', (f.trustedPeer ? first(f.xForwardedProto) : undefined) ?? f.proto);
  out.push('x-forwarded-host', (f.trustedPeer ? first(f.xForwardedHost) : undefined) ?? f.host);
  // RFC 7239 section 6: IPv6 addresses are bracketed and the value quoted.
  const node = isIPv6(f.peer) ? `"[${f.peer}]"` : f.peer;
  const element = `for=${node};host="${f.host}";proto=${f.proto}`;
  const prior = f.trustedPeer ? first(f.forwarded) : undefined;
  out.push('forwarded', prior ? `${prior}, ${element}` : element);
}

/** Lowercase names of the forwarding headers the gateway owns. */
export const FORWARDING_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-real-ip',
]);
