/** A request-target in canonical form: what routes match on and exactly what the upstream receives. */
export interface NormalizedPath {
  /** Canonical absolute path; always starts with `/`. */
  readonly path: string;
  /** The query with its leading `?`, unchanged; `''` when the target has none. */
  readonly query: string;
  /** The path holds `%2F` or `%5C`; the proxy refuses it unless the route sets `allowEncodedSlash`. */
  readonly hasEncodedSlash: boolean;
}

/** Why a request-target was refused; answered with 400. */
export interface PathError {
  readonly error: 'ERR_GW_BAD_PATH';
  readonly reason: string;
}

const refuse = (reason: string): PathError => Object.freeze({ error: 'ERR_GW_BAD_PATH', reason });
// Shared and frozen: refusing a request allocates nothing.
const NOT_ORIGIN_FORM = refuse('request-target must start with "/" (origin-form)');
const BAD_CHARACTER = refuse('control character, space or non-ASCII byte in request-target');
const FRAGMENT = refuse('fragment ("#") in request-target');
const BACKSLASH = refuse('raw backslash in path');
const BAD_ESCAPE = refuse('malformed percent-encoding in path');

const SLASH = 0x2f;
const DOT = 0x2e;

// What each ASCII character does in a path.
const BAD = 0; // controls, space, DEL: never valid in a request line (RFC 9112 section 3)
const KEEP = 1; // pchar (RFC 3986 section 3.3) and "/"
const ENCODE = 2; // printable but not allowed in a path: percent-encoded (RFC 3986 section 2.1)
const PERCENT = 3;
const HASH = 4;
const BACKSLASH_CHAR = 5;
const QUERY = 6;

const CLASS = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) CLASS[c] = ENCODE;
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/") {
  CLASS[c.charCodeAt(0)] = KEEP;
}
CLASS[0x25] = PERCENT;
CLASS[0x23] = HASH;
CLASS[0x3f] = QUERY;
CLASS[0x5c] = BACKSLASH_CHAR;

const HEX = '0123456789ABCDEF';
const percentEncode = (byte: number): string => '%' + HEX.charAt(byte >> 4) + HEX.charAt(byte & 15);

/** ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 section 2.3): their percent-encodings mean the same. */
const isUnreserved = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x30 && c <= 0x39) ||
  c === 0x2d ||
  c === DOT ||
  c === 0x5f ||
  c === 0x7e;

/** Value of a hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** `[start, end)` of `text` is `.` or `..`. */
function isDotSegment(text: string, start: number, end: number): boolean {
  const length = end - start;
  return (length === 1 || length === 2) && text.charCodeAt(start) === DOT && text.charCodeAt(end - 1) === DOT;
}

/**
 * Normalizes the request-target of an origin-form request (`/a/b?x=1`, RFC 9112 section 3.2.1) into the
 * canonical form of RFC 3986 section 6.2.2, so that route and policy matching see the same path the upstream
 * receives, and spellings RFC 3986 calls equivalent become one:
 *
 * - percent-encodings of unreserved characters are decoded, others keep their escape with uppercase hex
 *   (`%21` and `!` stay distinct, as RFC 3986 section 6.2.2.2 requires), and printable characters a path may
 *   not hold raw (`"`, `<`, `>`, `[`, `]`, `^`, backquote, `{`, `|`, `}`) are percent-encoded;
 * - dot-segments (`.`, `..`, also when spelled `%2E`) are removed as in RFC 3986 section 5.2.4, after decoding;
 *   `..` never climbs above the root;
 * - `%2F` and `%5C` stay encoded (decoding them would change the segments) and set `hasEncodedSlash`;
 * - repeated slashes are kept: RFC 3986 makes `/a//b` and `/a/b` different resources and some upstreams
 *   (object stores, URLs embedded in paths) rely on that. Route prefixes match whole segments, so `//admin`
 *   is not under `/admin`: a deny that must also cover upstreams which merge slashes needs its own rule;
 * - the query is passed through untouched: its meaning belongs to the upstream (RFC 3986 section 3.4), and
 *   rewriting it would break signed URLs.
 *
 * Refused (400): a target that does not start with `/` (absolute-form and asterisk-form are the caller's to
 * handle), a malformed `%` escape, a raw backslash (some servers read it as `/`), a fragment, controls, spaces
 * and non-ASCII bytes anywhere in the target. Never throws; idempotent; allocates nothing beyond the result
 * when the target is already canonical.
 */
export function normalizePath(target: string): NormalizedPath | PathError {
  if (target.charCodeAt(0) !== SLASH) return NOT_ORIGIN_FORM;
  let canonical = true;
  let hasEncodedSlash = false;
  let segmentStart = 1;
  // The path ends at the first "?" (the scan finds it) or with the target.
  let pathEnd = target.length;
  for (let i = 1; i < pathEnd; i++) {
    const c = target.charCodeAt(i);
    switch (c < 0x80 ? CLASS[c] : BAD) {
      case KEEP:
        if (c === SLASH) {
          if (isDotSegment(target, segmentStart, i)) canonical = false;
          segmentStart = i + 1;
        }
        break;
      case PERCENT: {
        // A "?" or the end of the string (NaN) is not a hex digit: an escape never runs into the query.
        const c1 = target.charCodeAt(i + 1);
        const c2 = target.charCodeAt(i + 2);
        const high = hexValue(c1);
        const low = hexValue(c2);
        if (high < 0 || low < 0) return BAD_ESCAPE;
        const byte = high * 16 + low;
        if (isUnreserved(byte) || c1 >= 0x61 || c2 >= 0x61) canonical = false;
        if (byte === SLASH || byte === 0x5c) hasEncodedSlash = true;
        i += 2;
        break;
      }
      case ENCODE:
        canonical = false;
        break;
      case QUERY:
        pathEnd = i;
        break;
      case HASH:
        return FRAGMENT;
      case BACKSLASH_CHAR:
        return BACKSLASH;
      default:
        return BAD_CHARACTER;
    }
  }
  if (isDotSegment(target, segmentStart, pathEnd)) canonical = false;
  for (let i = pathEnd + 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return BAD_CHARACTER;
    if (c === 0x23) return FRAGMENT;
  }

  const query = pathEnd === target.length ? '' : target.slice(pathEnd);
  if (canonical) {
    return { path: pathEnd === target.length ? target : target.slice(0, pathEnd), query, hasEncodedSlash };
  }
  const path = removeDotSegments(recode(target, pathEnd));
  return { path, query, hasEncodedSlash: path.includes('%2F') || path.includes('%5C') };
}

/**
 * Rewrites `target[0, end)` with canonical escapes: unreserved characters decoded, other escapes uppercased,
 * characters not allowed in a path encoded. Only called on a path the scan found valid.
 */
function recode(target: string, end: number): string {
  let out = '';
  let runStart = 0;
  for (let i = 0; i < end; i++) {
    const c = target.charCodeAt(i);
    const kind = CLASS[c];
    if (kind === PERCENT) {
      const byte = hexValue(target.charCodeAt(i + 1)) * 16 + hexValue(target.charCodeAt(i + 2));
      out += target.slice(runStart, i);
      out += isUnreserved(byte) ? String.fromCharCode(byte) : percentEncode(byte);
      i += 2;
      runStart = i + 1;
    } else if (kind === ENCODE) {
      out += target.slice(runStart, i) + percentEncode(c);
      runStart = i + 1;
    }
  }
  return out + target.slice(runStart, end);
}

/** RFC 3986 section 5.2.4 on an absolute path, by segments: `.` drops itself, `..` also the segment before. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const kept: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    if (segment === '.' || segment === '..') {
      if (segment === '..') kept.pop();
      // A trailing dot-segment leaves a directory path: `/a/b/..` is `/a/`.
      if (i === segments.length - 1) kept.push('');
    } else {
      kept.push(segment);
    }
  }
  return '/' + kept.join('/');
}
