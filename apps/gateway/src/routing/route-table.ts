import { normalizeHost } from './normalize-host.js';
import { normalizePath } from './normalize-path.js';

/** One route as the table sees it: where it applies, and what a match returns. */
export interface RouteTableEntry<R> {
  /** `app.example.com`, `*.example.com` (one or more labels in front) or `*` (any host); any case. */
  readonly host: string;
  /** Canonical path prefix (see `normalizePath`), matched on whole segments. */
  readonly pathPrefix: string;
  /** What `lookup` returns for a request this entry takes. */
  readonly route: R;
}

/** A compiled, immutable route table. */
export interface RouteTable<R> {
  /**
   * The route for a request, or `undefined`. `host` must come from `normalizeHost` and `path` from
   * `normalizePath`: the table compares them as they are.
   */
  lookup(host: string, path: string): R | undefined;
  /** Number of entries compiled into the table. */
  readonly size: number;
}

/**
 * The path prefixes of one host pattern. Lookup probes the path's own prefixes that end at a segment boundary,
 * longest first, in a Map; `lengths` marks which prefix lengths exist so most probes are skipped without
 * slicing the path.
 */
interface PrefixIndex<R> {
  readonly routes: Map<string, R>;
  readonly lengths: Uint8Array;
  readonly maxLength: number;
}

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Compiles route entries into a table whose lookup costs O(host labels + path segments), whatever the
 * number of routes:
 *
 * - Host precedence: the exact host, then wildcards from the longest suffix to the shortest
 *   (`*.a.example.com` before `*.example.com`), then `*`. `*.example.com` never matches `example.com` itself.
 * - Within a host pattern the longest matching path prefix wins, on whole segments: `/api` takes `/api` and
 *   `/api/x` but not `/apix`; `/api/` takes `/api/` and below but not `/api`; `/` takes everything.
 * - Fallback: when the most specific host pattern has no prefix matching the path, the next less specific
 *   one is tried (exact, then each wildcard, then `*`), so `app.example.com /api` plus `* /` sends
 *   `app.example.com/other` to the `*` route instead of answering 404.
 *
 * Throws a TypeError, naming the entries, for an invalid host pattern, a path prefix that is not canonical, or
 * two entries with the same host (case-insensitive) and path prefix.
 */
export function compileRouteTable<R>(entries: ReadonlyArray<RouteTableEntry<R>>): RouteTable<R> {
  const exact = new Map<string, Map<string, R>>();
  const wildcard = new Map<string, Map<string, R>>();
  const anyHost = new Map<string, R>();
  const seen = new Map<string, number>();

  entries.forEach((entry, index) => {
    const host = entry.host.toLowerCase();
    const { pathPrefix } = entry;
    checkPrefix(pathPrefix, entries, index);
    const key = `${host} ${pathPrefix}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new TypeError(
        `${describe(entries, first)} and ${describe(entries, index)} both match host "${host}" and path prefix "${pathPrefix}"`,
      );
    }
    seen.set(key, index);

    let prefixes: Map<string, R>;
    if (host === '*') {
      prefixes = anyHost;
    } else if (host.startsWith('*.') && !host.startsWith('*.[')) {
      prefixes = prefixesOf(wildcard, checkHost(host.slice(2), entries, index));
    } else {
      prefixes = prefixesOf(exact, checkHost(host, entries, index));
    }
    prefixes.set(pathPrefix, entry.route);
  });

  const exactIndex = indexAll(exact);
  const wildcardIndex = indexAll(wildcard);
  const anyIndex = anyHost.size > 0 ? indexPrefixes(anyHost) : undefined;
  // Suffix lengths that have a wildcard: probing skips every other suffix without slicing the host.
  const suffixLengths = new Uint8Array(256);
  for (const suffix of wildcardIndex.keys()) suffixLengths[suffix.length] = 1;

  const lookup = (host: string, path: string): R | undefined => {
    const byHost = exactIndex.get(host);
    if (byHost !== undefined) {
      const route = matchPrefix(byHost, path);
      if (route !== undefined) return route;
    }
    if (wildcardIndex.size > 0) {
      // A dot at index 0 would leave an empty label in front; normalized hosts have none.
      for (let i = 1; i < host.length; i++) {
        if (host.charCodeAt(i) !== DOT || suffixLengths[host.length - i - 1] !== 1) continue;
        const bySuffix = wildcardIndex.get(host.slice(i + 1));
        if (bySuffix === undefined) continue;
        const route = matchPrefix(bySuffix, path);
        if (route !== undefined) return route;
      }
    }
    return anyIndex === undefined ? undefined : matchPrefix(anyIndex, path);
  };

  return Object.freeze({ lookup, size: entries.length });
}

/** The longest prefix in `index` that `path` falls under, on whole segments. */
function matchPrefix<R>(index: PrefixIndex<R>, path: string): R | undefined {
  const { routes, lengths, maxLength } = index;
  const length = path.length;
  // The whole path, when it does not end in "/" (then the loop below probes it).
  if (length <= maxLength && lengths[length] === 1 && path.charCodeAt(length - 1) !== SLASH) {
    const route = routes.get(path);
    if (route !== undefined) return route;
  }
  for (let i = Math.min(length - 1, maxLength); i >= 0; i--) {
    if (path.charCodeAt(i) !== SLASH) continue;
    // A prefix ending in "/" (`/api/`, `/`), then the same one without it (`/api`), which ends a segment here.
    if (lengths[i + 1] === 1) {
      const route = routes.get(path.slice(0, i + 1));
      if (route !== undefined) return route;
    }
    if (i > 0 && lengths[i] === 1) {
      const route = routes.get(path.slice(0, i));
      if (route !== undefined) return route;
    }
  }
  return undefined;
}

function prefixesOf<R>(byHost: Map<string, Map<string, R>>, host: string): Map<string, R> {
  let prefixes = byHost.get(host);
  if (prefixes === undefined) {
    prefixes = new Map();
    byHost.set(host, prefixes);
  }
  return prefixes;
}

function indexAll<R>(byHost: Map<string, Map<string, R>>): Map<string, PrefixIndex<R>> {
  const out = new Map<string, PrefixIndex<R>>();
  for (const [host, prefixes] of byHost) out.set(host, indexPrefixes(prefixes));
  return out;
}

function indexPrefixes<R>(routes: Map<string, R>): PrefixIndex<R> {
  let maxLength = 0;
  for (const prefix of routes.keys()) maxLength = Math.max(maxLength, prefix.length);
  // One spare slot: the probe for "prefix ending in /" may read one past the longest prefix.
  const lengths = new Uint8Array(maxLength + 2);
  for (const prefix of routes.keys()) lengths[prefix.length] = 1;
  return { routes, lengths, maxLength };
}

/** A host name (or wildcard suffix) as `normalizeHost` would return it, lowercase and without port or root dot. */
function checkHost(host: string, entries: ReadonlyArray<RouteTableEntry<unknown>>, index: number): string {
  if (normalizeHost(host) !== host) {
    throw new TypeError(
      `${describe(entries, index)} has an invalid host "${String(entries[index]?.host)}": expected a host name, "*.example.com" or "*"`,
    );
  }
  return host;
}

/** Requests are matched on canonical paths, so a prefix in any other spelling could never match. */
function checkPrefix(prefix: string, entries: ReadonlyArray<RouteTableEntry<unknown>>, index: number): void {
  const normalized = normalizePath(prefix);
  if ('error' in normalized) {
    throw new TypeError(`${describe(entries, index)} has an invalid path prefix "${prefix}": ${normalized.reason}`);
  }
  if (normalized.query !== '' || normalized.path !== prefix) {
    throw new TypeError(
      `${describe(entries, index)} has path prefix "${prefix}", which is not canonical; write "${normalized.path}"`,
    );
  }
}

/** `route "name" (entries[3])` when the route has a name, else `entries[3]`. */
function describe(entries: ReadonlyArray<RouteTableEntry<unknown>>, index: number): string {
  const route = entries[index]?.route;
  const name = typeof route === 'object' && route !== null ? (route as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? `route "${name}" (entries[${String(index)}])` : `entries[${String(index)}]`;
}
