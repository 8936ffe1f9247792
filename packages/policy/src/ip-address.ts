/**
 * An IP address as 32-bit words, so a CIDR test is a few integer masks. IPv4 (and IPv4-mapped IPv6) uses
 * `w0` alone; IPv6 uses `w0`..`w3`, most significant first.
 */
export interface IpWords {
  family: 4 | 6;
  w0: number;
  w1: number;
  w2: number;
  w3: number;
}

const COLON = 0x3a;
const DOT = 0x2e;

// Parsing is synchronous and calls nothing else, so one scratch buffer serves every call without allocating.
const hextets = new Uint16Array(8);

/**
 * Parses `text` strictly into `out` and returns whether it is an IP address. IPv4 is dotted decimal with four
 * parts and no leading zeros (`010.0.0.1` is octal to some parsers and decimal to others, so it is refused);
 * IPv6 is RFC 4291 section 2.2 text, with an optional trailing dotted IPv4 part. An IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, RFC 4291 section 2.5.5.2, as dual-stack sockets report IPv4 peers) becomes the IPv4
 * address it carries, so IPv4 rules apply to it. A zone (`fe80::1%eth0`) is accepted only with `allowZone`
 * and ignored: a CIDR cannot name one.
 */
export function parseIp(text: string, out: IpWords, allowZone: boolean): boolean {
  if (text.length === 0 || text.length > 64) return false;
  let end = text.indexOf('%');
  if (end < 0) end = text.length;
  else if (!allowZone || !isZone(text, end + 1)) return false;
  const colon = text.indexOf(':');
  const hasColon = colon >= 0 && colon < end;
  if (!hasColon) {
    if (end !== text.length) return false;
    const v4 = parseIPv4(text, 0, end);
    if (v4 < 0) return false;
    setV4(out, v4);
    return true;
  }
  if (!parseIPv6(text, end)) return false;
  const w0 = hextets[0]! * 0x10000 + hextets[1]!;
  const w1 = hextets[2]! * 0x10000 + hextets[3]!;
  const w2 = hextets[4]! * 0x10000 + hextets[5]!;
  const w3 = hextets[6]! * 0x10000 + hextets[7]!;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
    setV4(out, w3);
    return true;
  }
  out.family = 6;
  out.w0 = w0;
  out.w1 = w1;
  out.w2 = w2;
  out.w3 = w3;
  return true;
}

function setV4(out: IpWords, value: number): void {
  out.family = 4;
  out.w0 = value;
  out.w1 = 0;
  out.w2 = 0;
  out.w3 = 0;
}

/** A zone id as Node accepts one: `[0-9A-Za-z.:-]+` up to the end. */
function isZone(text: string, start: number): boolean {
  if (start >= text.length) return false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x3a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === DOT;
    if (!ok) return false;
  }
  return true;
}

/** Dotted-decimal IPv4 in `text[start, end)` as an unsigned 32-bit number, or -1. */
function parseIPv4(text: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const partStart = i;
    let part = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      part = part * 10 + (c - 0x30);
      i++;
    }
    const digits = i - partStart;
    if (digits === 0 || digits > 3 || part > 255 || (digits > 1 && text.charCodeAt(partStart) === 0x30)) return -1;
    value = value * 256 + part;
    parts++;
    if (parts < 4) {
      if (text.charCodeAt(i) !== DOT || i >= end) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

/** Value of a hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** IPv6 text in `text[0, end)` into `hextets`; false when malformed. */
function parseIPv6(text: string, end: number): boolean {
  let groups = 0;
  // Index in `hextets` where "::" stands, or -1.
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    const start = i;
    let value = 0;
    while (i < end && i - start < 5) {
      const digit = hexValue(text.charCodeAt(i));
      if (digit < 0) break;
      value = value * 16 + digit;
      i++;
    }
    if (text.charCodeAt(i) === DOT && i < end) {
      // A trailing dotted IPv4 part fills the last two groups.
      if (groups > 6) return false;
      const v4 = parseIPv4(text, start, end);
      if (v4 < 0) return false;
      hextets[groups++] = v4 >>> 16;
      hextets[groups++] = v4 & 0xffff;
      break;
    }
    if (i === start || i - start > 4 || groups === 8) return false;
    hextets[groups++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== COLON) return false;
    i++;
    if (text.charCodeAt(i) === COLON && i < end) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    } else if (i === end) {
      // A single trailing colon.
      return false;
    }
  }
  if (gap < 0) return groups === 8;
  if (groups > 7) return false;
  // Move the groups after "::" to the end and zero the gap.
  const tail = groups - gap;
  for (let k = 0; k < tail; k++) hextets[7 - k] = hextets[groups - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) hextets[k] = 0;
  return true;
}
