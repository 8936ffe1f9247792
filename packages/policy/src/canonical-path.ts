// What the gateway's path normalization produces (RFC 3986 section 6.2.2): the only form paths are matched in.

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;

/** pchar (RFC 3986 section 3.3) and "/", without "%": the characters a canonical path holds raw. */
const RAW = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/") {
  RAW[c.charCodeAt(0)] = 1;
}

/** Uppercase hex digit value, or -1: canonical escapes use uppercase hex (RFC 3986 section 6.2.2.1). */
function upperHex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 section 2.3). */
const isUnreserved = (byte: number): boolean =>
  (byte >= 0x61 && byte <= 0x7a) ||
  (byte >= 0x41 && byte <= 0x5a) ||
  (byte >= 0x30 && byte <= 0x39) ||
  byte === 0x2d ||
  byte === DOT ||
  byte === 0x5f ||
  byte === 0x7e;

/**
 * Why `path` is not a canonical absolute path, or `undefined` when it is. Canonical: starts with "/", holds only
 * pchar and "/", escapes are uppercase and never encode an unreserved character (`%2E` would hide a dot-segment),
 * and no segment is `.` or `..` (RFC 3986 section 5.2.4 removes them). A path that is not canonical was not
 * normalized, and matching it could let `/public/../admin` through a rule written for `/public`.
 */
export function canonicalPathProblem(path: string): string | undefined {
  if (path.charCodeAt(0) !== SLASH) return 'must start with "/"';
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i === path.length ? SLASH : path.charCodeAt(i);
    if (c === SLASH) {
      const length = i - segmentStart;
      if ((length === 1 || length === 2) && path.charCodeAt(segmentStart) === DOT && path.charCodeAt(i - 1) === DOT) {
        return 'must not contain "." or ".." segments';
      }
      segmentStart = i + 1;
    } else if (c === PERCENT) {
      const high = upperHex(path.charCodeAt(i + 1));
      const low = upperHex(path.charCodeAt(i + 2));
      if (high < 0 || low < 0) return 'must use "%XX" escapes with uppercase hex digits';
      if (isUnreserved(high * 16 + low)) return 'must not percent-encode unreserved characters';
      i += 2;
    } else if (c >= 128 || RAW[c] !== 1) {
      return 'must hold only characters allowed in a normalized path';
    }
  }
  return undefined;
}
