import { wireguardErrors } from './errors.js';
import { canonicalAllowedIps, formatAddress, parsePrefix } from './ip.js';
import { parseKey } from './keys.js';

/** The hub as a client device or site sees it: the `[Peer]` section of its wg-quick config. */
export interface WgQuickPeer {
  /** The hub's public key. */
  readonly publicKey: string;
  /** A preshared key shared with the hub, if any. */
  readonly presharedKey?: string;
  /** Where the hub listens: a DNS name or an IP literal (IPv6 without brackets), and a UDP port. */
  readonly endpoint: { readonly host: string; readonly port: number };
  /** The prefixes routed into the tunnel (at least one); made canonical, deduplicated and sorted. */
  readonly allowedIps: readonly string[];
  /** Seconds between keepalives (1-65535), for a device behind NAT; absent means off. */
  readonly persistentKeepalive?: number;
}

/** What {@link renderWgQuickConfig} renders. */
export interface WgQuickConfig {
  /** The device's private key; absent when the user brought their own key pair (a placeholder comment is rendered). */
  readonly privateKey?: string;
  /** The device's tunnel address with its prefix length (`100.96.0.7/32`); a bare address means /32 or /128. */
  readonly address: string;
  /** DNS servers (IP literals) and search domains (names), in order. */
  readonly dns?: readonly string[];
  /** Interface MTU, 1280-65535; absent lets wg-quick choose. */
  readonly mtu?: number;
  /** The hub. */
  readonly peer: WgQuickPeer;
}

// RFC 1123 §2.1 host names: LDH labels of 1-63 characters, 253 in all. Nothing here can end a line, start a
// comment or split a key from its value.
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ALL_NUMERIC = /^[0-9.]+$/;

/**
 * Renders a wg-quick(8) config for a client device or a site: `[Interface]` (private key, address, DNS, MTU) and
 * one `[Peer]` (the hub). Every field is validated (keys with `parseKey`, prefixes made canonical, the endpoint a
 * host name or IP literal, numbers in range), so no value can add a line, a key or a comment. Throws
 * ERR_WG_KEY_INVALID for a key and ERR_WG_CONFIG_INVALID for anything else, naming the field.
 */
export function renderWgQuickConfig(config: WgQuickConfig): string {
  const { peer } = config;
  const lines = ['[Interface]'];
  if (config.privateKey === undefined) {
    lines.push('# PrivateKey = (add the private key of the key pair whose public key you registered)');
  } else {
    parseKey(config.privateKey, 'privateKey');
    lines.push(`PrivateKey = ${config.privateKey}`);
  }
  lines.push(`Address = ${interfaceAddress(config.address)}`);
  if (config.dns !== undefined && config.dns.length > 0) {
    lines.push(`DNS = ${config.dns.map((entry, i) => dnsEntry(entry, `dns[${i}]`)).join(', ')}`);
  }
  if (config.mtu !== undefined) lines.push(`MTU = ${integer(config.mtu, 'mtu', 1280, 65_535)}`);

  parseKey(peer.publicKey, 'peer.publicKey');
  lines.push('', '[Peer]', `PublicKey = ${peer.publicKey}`);
  if (peer.presharedKey !== undefined) {
    parseKey(peer.presharedKey, 'peer.presharedKey');
    lines.push(`PresharedKey = ${peer.presharedKey}`);
  }
  lines.push(`Endpoint = ${endpoint(peer.endpoint)}`);
  if (!Array.isArray(peer.allowedIps) || peer.allowedIps.length === 0) {
    throw wireguardErrors.configInvalid.create('peer.allowedIps must list at least one prefix');
  }
  lines.push(`AllowedIPs = ${canonicalAllowedIps(peer.allowedIps).join(', ')}`);
  if (peer.persistentKeepalive !== undefined) {
    lines.push(`PersistentKeepalive = ${integer(peer.persistentKeepalive, 'peer.persistentKeepalive', 1, 65_535)}`);
  }
  return `${lines.join('\n')}\n`;
}

// An interface address keeps its host bits (`100.96.0.7/24` is not `100.96.0.0/24`): only the address is canonical.
function interfaceAddress(text: string): string {
  const slash = typeof text === 'string' ? text.indexOf('/') : -1;
  const host = parsePrefix(slash < 0 ? text : text.slice(0, slash));
  const prefix = parsePrefix(text);
  if (host === undefined || prefix === undefined || host.length !== host.bytes.length * 8) {
    throw wireguardErrors.configInvalid.create(`address "${String(text)}" is not an IP address with a prefix length`);
  }
  return `${formatAddress(host.bytes)}/${prefix.length}`;
}

// wg-quick(8): an IP literal is a DNS server, anything else a search domain.
function dnsEntry(text: string, field: string): string {
  const address = ipLiteral(text);
  if (address !== undefined) return address;
  if (!isHostName(text)) throw wireguardErrors.configInvalid.create(`${field} is not an IP address or a domain name`);
  return text.toLowerCase();
}

function endpoint(value: WgQuickPeer['endpoint']): string {
  const { host } = value ?? {};
  const port = integer(value?.port, 'peer.endpoint.port', 1, 65_535);
  const address = ipLiteral(host);
  // RFC 3986 §3.2.2: an IPv6 literal is bracketed before its port.
  if (address !== undefined) return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  if (!isHostName(host)) {
    throw wireguardErrors.configInvalid.create('peer.endpoint.host is not a host name or an IP address');
  }
  return `${host.toLowerCase()}:${port}`;
}

// The canonical text of an IP literal without a prefix length, or undefined.
function ipLiteral(text: string): string | undefined {
  if (typeof text !== 'string' || text.includes('/')) return undefined;
  const prefix = parsePrefix(text);
  return prefix === undefined ? undefined : formatAddress(prefix.bytes);
}

// A malformed IPv4 literal (`10.0.0.256`) is not a host name either: RFC 1123 §2.1 rules out all-numeric names.
function isHostName(text: string): boolean {
  if (typeof text !== 'string' || text.length > 253 || ALL_NUMERIC.test(text)) return false;
  return text
    .toLowerCase()
    .split('.')
    .every((label) => LABEL.test(label));
}

function integer(value: number | undefined, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value! < min || value! > max) {
    throw wireguardErrors.configInvalid.create(`${field} must be an integer from ${min} to ${max}`);
  }
  return value!;
}
