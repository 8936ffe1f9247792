import { checkList, fail } from './check.js';
import type { CriterionMatcher } from './criterion.js';
import { listed, shown } from './format.js';
import type { PreparedRequest } from './prepared-request.js';

const AT = 0x40;
const DOT = 0x2e;
const HYPHEN = 0x2d;

/** Whitespace, controls and invisible format characters: never part of an address we accept. */
function isInvisible(c: number): boolean {
  return (
    c <= 0x20 ||
    (c >= 0x7f && c <= 0xa0) ||
    c === 0xad ||
    c === 0x1680 ||
    c === 0x180e ||
    (c >= 0x2000 && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202f) ||
    (c >= 0x205f && c <= 0x206f) ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Letters, digits and "-": the characters of a domain label besides its dots. */
const LABEL_CHAR = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-') LABEL_CHAR[c.charCodeAt(0)] = 1;

/**
 * Why `text[start, end)` is not a DNS domain name in ASCII form, or `undefined`. Labels of letters, digits
 * and inner hyphens, 1 to 63 characters (RFC 1035 section 2.3.1), joined by single dots: no empty label, so
 * no leading or trailing dot. Internationalized domains must be written in their `xn--` form (RFC 5891),
 * which also keeps look-alike Unicode dots (`．`) from splitting a label.
 */
function domainProblem(text: string, start: number, end: number): string | undefined {
  if (end - start > 253) return 'has a domain longer than 253 characters';
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    const c = i === end ? DOT : text.charCodeAt(i);
    if (c === DOT) {
      const length = i - labelStart;
      if (length === 0) return 'has an empty domain label (a leading, trailing or doubled dot)';
      if (length > 63) return 'has a domain label longer than 63 characters';
      if (text.charCodeAt(labelStart) === HYPHEN || text.charCodeAt(i - 1) === HYPHEN) {
        return 'has a domain label that starts or ends with "-"';
      }
      labelStart = i + 1;
    } else if (c >= 128 || LABEL_CHAR[c] !== 1) {
      return 'has a domain with characters other than letters, digits, "-" and "."';
    }
  }
  return undefined;
}

/**
 * Why `text` is not an address we accept, or `undefined`. Strict on purpose, so an address can never be read
 * two ways: exactly one `@` (a quoted local part such as `"a@b"@c` is refused), a local part of 1 to 64
 * characters (RFC 5321 section 4.5.3.1.1) without whitespace, controls or invisible characters, and a domain
 * as `domainProblem` wants it. Used on policy entries and on the user's address in every request.
 */
export function emailProblem(text: string): string | undefined {
  if (text.length > 254) return 'is longer than 254 characters';
  let at = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === AT) {
      if (at >= 0) return 'must contain exactly one "@"';
      at = i;
    } else if ((c <= 0x20 || c >= 0x7f) && isInvisible(c)) {
      return 'must not contain whitespace, control or invisible characters';
    }
  }
  if (at < 0) return 'must contain exactly one "@"';
  if (at === 0) return 'has an empty local part';
  if (at > 64) return 'has a local part longer than 64 characters';
  return domainProblem(text, at + 1, text.length);
}

/**
 * Compiles `emails`: exact addresses, and `@example.com` for any address at exactly that domain (not
 * `sub.example.com`, and never `evilexample.com`). Compared in lowercase, as addresses are in practice.
 */
export function compileEmails(value: unknown, field: string): CriterionMatcher {
  const exact = new Set<string>();
  // "@example.com": the request's address ends with it exactly when its one "@" is followed by that domain.
  const domains: string[] = [];
  const entries = checkList(value, field).map((entry, i) => {
    const at = `${field}[${String(i)}]`;
    if (typeof entry !== 'string') fail(at, `must be a string, got ${shown(entry)}`);
    // "@example.com" is checked as the address "x@example.com" would be, so both follow the same rules.
    const problem = emailProblem(entry.charCodeAt(0) === AT ? `x${entry}` : entry);
    if (problem !== undefined) fail(at, `${shown(entry)} ${problem}`);
    const lower = entry.toLowerCase();
    if (entry.charCodeAt(0) === AT) domains.push(lower);
    else exact.add(lower);
    return lower;
  });
  const matchedBy = (email: string): string | undefined => {
    if (exact.has(email)) return email;
    for (const domain of domains) if (email.endsWith(domain)) return domain;
    return undefined;
  };
  return {
    criterion: 'emails',
    matches: (req: PreparedRequest): boolean => req.user !== undefined && matchedBy(req.email) !== undefined,
    describe(req, matched) {
      if (req.user === undefined) return 'no authenticated user';
      return matched
        ? `${req.email} matches ${matchedBy(req.email) ?? ''}`
        : `${req.email} matches none of ${listed(entries)}`;
    },
  };
}
