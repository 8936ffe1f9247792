import { isIPv6 } from 'node:net';

// RFC 1035 section 2.3.4 / RFC 1123 section 2.1: a name is at most 253 characters (without the root dot),
// a label 1 to 63 letters, digits and hyphens that starts and ends with a letter or digit. Underscores and
// other characters never appear in a name the gateway can route (the config accepts the same grammar).
const MAX_NAME = 253;
const MAX_LABEL = 63;
// Longest acceptable header: a full name, its root dot and ":65535".
const MAX_HEADER = MAX_NAME + 1 + 6;

const DOT = 0x2e;
const COLON = 0x3a;
const HYPHEN = 0x2d;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;

/**
 * Turns a Host header (RFC 9110 section 7.2: `uri-host [ ":" port ]`) into the name routes are matched on:
 * lowercase (RFC 3986 section 6.2.2.1), without the port, without one trailing root dot (`example.com.` is
 * `example.com`). An IPv6 literal keeps its brackets (`[::1]`). Returns `undefined` for anything else: empty,
 * whitespace, control or non-ASCII characters, userinfo, an empty or out-of-range port, bad labels, zone ids,
 * names over 253 characters. Never throws. Returns the header itself when it is already normal, so the common
 * case allocates nothing.
 */
export function normalizeHost(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined || hostHeader.length === 0 || hostHeader.length > MAX_HEADER) return undefined;
  if (hostHeader.charCodeAt(0) === 0x5b /* [ */) return normalizeIpLiteral(hostHeader);

  let hasUpper = false;
  let labelStart = 0;
  let end = hostHeader.length;
  for (let i = 0; i < hostHeader.length; i++) {
    const c = hostHeader.charCodeAt(i);
    if (isLower(c) || isDigit(c)) continue;
    if (isUpper(c)) {
      hasUpper = true;
      continue;
    }
    if (c === HYPHEN) {
      if (i === labelStart) return undefined;
      continue;
    }
    if (c === DOT) {
      if (!labelEndsWell(hostHeader, labelStart, i)) return undefined;
      labelStart = i + 1;
      continue;
    }
    if (c === COLON) {
      if (!isPort(hostHeader, i + 1)) return undefined;
      end = i;
      break;
    }
    return undefined;
  }
  // The last label may be empty only after the root dot (a lone "." was refused in the loop).
  let nameEnd = end;
  if (labelStart === end) {
    if (end === 0) return undefined;
    nameEnd = end - 1;
  } else if (!labelEndsWell(hostHeader, labelStart, end)) {
    return undefined;
  }
  if (nameEnd > MAX_NAME) return undefined;
  const name = nameEnd === hostHeader.length ? hostHeader : hostHeader.slice(0, nameEnd);
  return hasUpper ? name.toLowerCase() : name;
}

/** A label `[start, end)` is 1 to 63 characters and does not end with a hyphen (its start was checked). */
function labelEndsWell(text: string, start: number, end: number): boolean {
  return end > start && end - start <= MAX_LABEL && text.charCodeAt(end - 1) !== HYPHEN;
}

/** `text` from `start` to its end is a port: 1 to 5 digits, 1 to 65535 (port 0 never reaches a server). */
function isPort(text: string, start: number): boolean {
  const digits = text.length - start;
  if (digits < 1 || digits > 5) return false;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return false;
    value = value * 10 + (c - 0x30);
  }
  return value >= 1 && value <= 65535;
}

/**
 * `[v6]` or `[v6]:port` (RFC 3986 section 3.2.2). Zone ids (RFC 6874) and IPvFuture are refused: neither
 * names a host the gateway serves.
 */
function normalizeIpLiteral(hostHeader: string): string | undefined {
  const close = hostHeader.indexOf(']');
  if (close < 0) return undefined;
  if (close + 1 < hostHeader.length) {
    if (hostHeader.charCodeAt(close + 1) !== COLON || !isPort(hostHeader, close + 2)) return undefined;
  }
  const address = hostHeader.slice(1, close);
  if (address.includes('%') || !isIPv6(address)) return undefined;
  return (close + 1 === hostHeader.length ? hostHeader : hostHeader.slice(0, close + 1)).toLowerCase();
}
