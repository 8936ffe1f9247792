import { checkList, checkName, fail } from './check.js';
import type { CriterionMatcher } from './criterion.js';
import { listed, shown } from './format.js';
import type { PreparedRequest } from './prepared-request.js';
import type { AuthMethod, CriterionName } from './types.js';

/** The authentication methods a request context may name. */
export const AUTH_METHODS: ReadonlySet<string> = new Set<AuthMethod>(['password', 'sso', 'api_key', 'mtls']);

/** RFC 9110 section 5.6.2 `tchar`: the characters of a method token. */
export const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR[c.charCodeAt(0)] = 1;
}

/** The entries of a list criterion, each checked by `check`, as a set. */
function compileSet(value: unknown, field: string, check: (entry: unknown, field: string) => string): Set<string> {
  return new Set(checkList(value, field).map((entry, i) => check(entry, `${field}[${String(i)}]`)));
}

/**
 * A criterion that holds when `pick` finds one of the request's values in `set` (allocation-free); `describe`
 * words the outcome from what `pick` found and the listed entries.
 */
function setMatcher(
  criterion: CriterionName,
  set: ReadonlySet<string>,
  pick: (req: PreparedRequest, set: ReadonlySet<string>) => string | undefined,
  describe: (req: PreparedRequest, found: string | undefined, listedEntries: string) => string,
): CriterionMatcher {
  const listedEntries = listed([...set]);
  return {
    criterion,
    matches: (req) => pick(req, set) !== undefined,
    describe: (req) => describe(req, pick(req, set), listedEntries),
  };
}

const NO_USER = 'no authenticated user';

/** Compiles `users`: the user's id is one of the listed ids. */
export function compileUsers(value: unknown, field: string): CriterionMatcher {
  return setMatcher(
    'users',
    compileSet(value, field, checkName),
    (req, set) => (req.user !== undefined && set.has(req.user.id) ? req.user.id : undefined),
    (req, found, entries) => {
      if (req.user === undefined) return NO_USER;
      return found === undefined ? `user ${req.user.id} is not one of ${entries}` : `user ${found} is listed`;
    },
  );
}

/** Compiles `roles`: the user has at least one of the listed roles. */
export function compileRoles(value: unknown, field: string): CriterionMatcher {
  return setMatcher(
    'roles',
    compileSet(value, field, checkName),
    (req, set) => {
      if (req.user === undefined) return undefined;
      for (const role of req.user.roles) if (set.has(role)) return role;
      return undefined;
    },
    (req, found, entries) => {
      if (req.user === undefined) return NO_USER;
      return found === undefined
        ? `roles [${listed(req.user.roles)}] include none of ${entries}`
        : `role ${found} is listed`;
    },
  );
}

/** `GET is one of GET, HEAD` / `POST is not one of GET, HEAD`. */
const oneOf = (value: string, found: string | undefined, entries: string): string =>
  `${value} is ${found === undefined ? 'not ' : ''}one of ${entries}`;

/** Compiles `methods`: the request method, compared in uppercase, is one of the listed methods. */
export function compileMethods(value: unknown, field: string): CriterionMatcher {
  const check = (entry: unknown, at: string): string => {
    if (typeof entry !== 'string' || entry === '' || [...entry].some((c) => TCHAR[c.charCodeAt(0)] !== 1)) {
      fail(at, `must be an HTTP method token, got ${shown(entry)}`);
    }
    // Uppercase, as the request side is: a deny on "delete" must not be dodged by spelling it "DELETE".
    return entry.toUpperCase();
  };
  return setMatcher(
    'methods',
    compileSet(value, field, check),
    (req, set) => (set.has(req.method) ? req.method : undefined),
    (req, found, entries) => oneOf(req.method, found, entries),
  );
}

/** Compiles `authMethods`: the request was authenticated with one of the listed methods. */
export function compileAuthMethods(value: unknown, field: string): CriterionMatcher {
  const check = (entry: unknown, at: string): string => {
    if (typeof entry !== 'string' || !AUTH_METHODS.has(entry)) {
      fail(at, `must be one of ${[...AUTH_METHODS].join(', ')}, got ${shown(entry)}`);
    }
    return entry;
  };
  return setMatcher(
    'authMethods',
    compileSet(value, field, check),
    (req, set) => (req.authMethod !== undefined && set.has(req.authMethod) ? req.authMethod : undefined),
    (req, found, entries) =>
      req.authMethod === undefined ? 'no authentication method' : oneOf(req.authMethod, found, entries),
  );
}

/** Compiles `requireSecondFactor`: with `true` the user must have passed a second factor; `false` requires nothing. */
export function compileSecondFactor(value: unknown, field: string): CriterionMatcher {
  if (typeof value !== 'boolean') fail(field, `must be true or false, got ${shown(value)}`);
  return {
    criterion: 'requireSecondFactor',
    matches: (req) => !value || req.secondFactor,
    describe(_req, matched) {
      if (!value) return 'no second factor required';
      return matched ? 'second factor passed' : 'no second factor';
    },
  };
}
