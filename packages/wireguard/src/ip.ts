import { wireguardErrors } from './errors.js';

/** A UDP endpoint: an IP literal (IPv6 possibly with a `%zone`) and a port. UAPI carries no host names. */
export interface Endpoint {
  /** IPv4 or IPv6 literal, without brackets; canonical (RFC 5952) when it comes from this package. */
  readonly address: string;
  /** UDP port, 1-65535. */
  readonly port: number;
}

/** An IP prefix parsed to bytes: 4 for IPv4, 16 for IPv6, host bits cleared. */
export interface Prefix {
  readonly bytes: Uint8Array;
  readonly length: number;
}

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LENGTH = /^(?:0|[1-9][0-9]{0,2})$/;
const PORT = /^[1-9][0-9]{0,4}$/;
// Interface names and numeric scope ids (RFC 4007 §11); nothing that could end a UAPI line or split a key=value.
const ZONE = /^[\w.-]{1,15}$/;

/**
 * Canonical text of an IP prefix, as the device reports it: host bits cleared (`10.0.0.1/24` → `10.0.0.0/24`),
 * IPv6 lowercase and compressed (RFC 5952). An address without `/length` is a host prefix (/32 or /128), as in
 * `wg set ... allowed-ips`. Throws ERR_WG_CONFIG_INVALID for anything else.
 */
export function canonicalCidr(text: string): string {
  const prefix = parsePrefix(text);
  if (prefix === undefined) throw wireguardErrors.configInvalid.create(`"${text}" is not an IP prefix`);
  return formatPrefix(prefix);
}

/**
 * A set of allowed IPs in canonical form: each prefix canonical, duplicates dropped, sorted (IPv4 first, then by
 * address and length). Two lists grant the same addresses exactly when their canonical forms are equal.
 * Throws ERR_WG_CONFIG_INVALID for a malformed prefix.
 */
export function canonicalAllowedIps(prefixes: Iterable<string>): string[] {
  const unique = new Map<string, Prefix>();
  for (const text of prefixes) {
    const prefix = parsePrefix(text);
    if (prefix === undefined) throw wireguardErrors.configInvalid.create(`"${text}" is not an IP prefix`);
    unique.set(formatPrefix(prefix), prefix);
  }
  return [...unique.entries()].sort(([, a], [, b]) => comparePrefixes(a, b)).map(([text]) => text);
}

/** Whether two lists of allowed IPs are the same set once canonical. Throws ERR_WG_CONFIG_INVALID. */
export function sameAllowedIps(a: Iterable<string>, b: Iterable<string>): boolean {
  const left = canonicalAllowedIps(a);
  const right = canonicalAllowedIps(b);
  return left.length === right.length && left.every((text, i) => text === right[i]);
}

/** Canonical text of an IP prefix, or undefined when `text` is not one. See {@link canonicalCidr}. */
export function normalizeCidr(text: string): string | undefined {
  const prefix = parsePrefix(text);
  return prefix === undefined ? undefined : formatPrefix(prefix);
}

/**
 * The endpoint as UAPI writes it (`192.0.2.1:51820`, `[2001:db8::1]:51820`, RFC 3986 §3.2.2 brackets), with a
 * canonical address; undefined when the address is not an IP literal or the port is not 1-65535.
 */
export function formatEndpoint(endpoint: Endpoint): string | undefined {
  const { port } = endpoint;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const address = normalizeAddress(endpoint.address);
  if (address === undefined) return undefined;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Parses an endpoint as UAPI writes it, address made canonical; undefined when malformed. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  const portText = text.slice(colon + 1);
  if (!PORT.test(portText) || Number(portText) > 65_535) return undefined;
  let host = text.slice(0, colon);
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return undefined;
    host = host.slice(1, -1);
    if (!host.includes(':')) return undefined;
  } else if (host.includes(':')) {
    return undefined;
  }
  const address = normalizeAddress(host);
  return address === undefined ? undefined : { address, port: Number(portText) };
}

// An IP literal in canonical form; a zone is allowed on IPv6 only, and kept as written.
function normalizeAddress(text: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  const percent = text.indexOf('%');
  const zone = percent < 0 ? undefined : text.slice(percent + 1);
  const bytes = parseAddress(percent < 0 ? text : text.slice(0, percent));
  if (bytes === undefined) return undefined;
  if (zone === undefined) return formatAddress(bytes);
  if (bytes.length !== 16 || !ZONE.test(zone)) return undefined;
  return `${formatAddress(bytes)}%${zone}`;
}

/** Parses an IP prefix (a bare address is a host prefix), host bits cleared; undefined when malformed. */
export function parsePrefix(text: string): Prefix | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const bytes = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (bytes === undefined) return undefined;
  const maxLength = bytes.length * 8;
  let length = maxLength;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!PREFIX_LENGTH.test(lengthText)) return undefined;
    length = Number(lengthText);
    if (length > maxLength) return undefined;
  }
  for (let bit = length; bit < maxLength; bit++) bytes[bit >> 3] = bytes[bit >> 3]! & ~(0x80 >> (bit & 7));
  return { bytes, length };
}

function formatPrefix(prefix: Prefix): string {
  return `${formatAddress(prefix.bytes)}/${prefix.length}`;
}

function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.bytes.length !== b.bytes.length) return a.bytes.length - b.bytes.length;
  for (let i = 0; i < a.bytes.length; i++) {
    if (a.bytes[i] !== b.bytes[i]) return a.bytes[i]! - b.bytes[i]!;
  }
  return a.length - b.length;
}

function parseAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

// Dotted decimal only, without leading zeros: "010.0.0.1" is octal to some parsers and decimal to others.
function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!DECIMAL_OCTET.test(part) || Number(part) > 255) return undefined;
    bytes[i] = Number(part);
  }
  return bytes;
}

// RFC 4291 §2.2: eight 16-bit groups, one "::" for one or more zero groups, an IPv4 dotted tail allowed.
function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = parseGroups(halves[0]!, !compressed);
  const tail = compressed ? parseGroups(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function parseGroups(part: string, ipv4Tail: boolean): number[] | undefined {
  if (part === '') return [];
  const texts = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    if (ipv4Tail && i === texts.length - 1 && text.includes('.')) {
      const v4 = parseIpv4(text);
      if (v4 === undefined) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (HEX_GROUP.test(text)) {
      groups.push(parseInt(text, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** The canonical text of an address of 4 or 16 bytes (RFC 5952 for IPv6). */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted tail (Go's netip, and so wireguard-go, print them so).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.subarray(12).join('.')}`;
  }
  // RFC 5952 §4.2: "::" replaces the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
