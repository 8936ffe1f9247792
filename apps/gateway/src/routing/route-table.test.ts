import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRouteTable, type RouteTableEntry } from './route-table.js';

interface TestRoute {
  readonly name: string;
}

const entry = (host: string, pathPrefix: string, name: string): RouteTableEntry<TestRoute> => ({
  host,
  pathPrefix,
  route: { name },
});

describe('compileRouteTable', () => {
  const table = compileRouteTable([
    entry('app.example.com', '/', 'app-root'),
    entry('app.example.com', '/api', 'app-api'),
    entry('app.example.com', '/api/v2/', 'app-api-v2'),
    entry('api.example.com', '/v1', 'api-v1'),
    entry('*.example.com', '/', 'wild-root'),
    entry('*.example.com', '/static', 'wild-static'),
    entry('*.eu.example.com', '/', 'wild-eu'),
    entry('*.us.example.com', '/only', 'wild-us-only'),
    entry('*', '/', 'any-root'),
    entry('*', '/health', 'any-health'),
    entry('Mixed.Case.Example.COM', '/', 'mixed'),
    entry('*.Upper.Example', '/', 'wild-upper'),
    entry('[::1]', '/', 'loopback6'),
  ]);

  it.each([
    // Longest prefix within a host, on whole segments.
    ['app.example.com', '/', 'app-root'],
    ['app.example.com', '/api', 'app-api'],
    ['app.example.com', '/api/', 'app-api'],
    ['app.example.com', '/api/users/7', 'app-api'],
    ['app.example.com', '/apix', 'app-root'],
    ['app.example.com', '/ap', 'app-root'],
    ['app.example.com', '//api', 'app-root'],
    ['app.example.com', '/api/v2', 'app-api'],
    ['app.example.com', '/api/v2/', 'app-api-v2'],
    ['app.example.com', '/api/v2/x/y', 'app-api-v2'],
    ['app.example.com', '/api/v2x', 'app-api'],
    ['app.example.com', '/api//v2/', 'app-api'],
    // The exact host wins even over a longer prefix at a less specific level.
    ['app.example.com', '/health', 'app-root'],
    // Fallback: the exact host has no prefix for the path, so the wildcard, then `*`, is asked.
    ['api.example.com', '/v1', 'api-v1'],
    ['api.example.com', '/v1/users', 'api-v1'],
    ['api.example.com', '/v2', 'wild-root'],
    ['api.example.com', '/static/app.js', 'wild-static'],
    // Wildcard depth: one or more labels in front, never the suffix itself; the longest suffix wins.
    ['x.example.com', '/static', 'wild-static'],
    ['x.example.com', '/staticx', 'wild-root'],
    ['a.b.example.com', '/', 'wild-root'],
    ['a.b.c.d.example.com', '/static/x', 'wild-static'],
    ['x.eu.example.com', '/', 'wild-eu'],
    ['a.b.eu.example.com', '/', 'wild-eu'],
    ['eu.example.com', '/', 'wild-root'],
    // The more specific wildcard wins even over a longer prefix of a less specific one...
    ['x.eu.example.com', '/static/x', 'wild-eu'],
    // ...and falls back to it when it has no prefix for the path.
    ['x.us.example.com', '/only/a', 'wild-us-only'],
    ['x.us.example.com', '/static/x', 'wild-static'],
    ['x.us.example.com', '/onlyx', 'wild-root'],
    ['example.com', '/', 'any-root'],
    ['xexample.com', '/', 'any-root'],
    ['example.com.evil.org', '/', 'any-root'],
    // `*` takes any host.
    ['example.com', '/health', 'any-health'],
    ['other.org', '/health/live', 'any-health'],
    ['other.org', '/healthz', 'any-root'],
    ['127.0.0.1', '/', 'any-root'],
    // Config hosts are compared in lowercase.
    ['mixed.case.example.com', '/', 'mixed'],
    ['a.upper.example', '/', 'wild-upper'],
    ['[::1]', '/x', 'loopback6'],
  ])('%s %s goes to %s', (host, path, expected) => {
    expect(table.lookup(host, path)?.name).toBe(expected);
  });

  it('counts its entries', () => {
    expect(table.size).toBe(13);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(table)).toBe(true);
    expect(() => Object.assign(table, { size: 0 })).toThrow(TypeError);
    expect(table.size).toBe(13);
  });

  describe('without a catch-all', () => {
    const partial = compileRouteTable([
      entry('app.example.com', '/api', 'app-api'),
      entry('*.example.com', '/static/', 'wild-static'),
    ]);

    it.each([
      ['app.example.com', '/'],
      ['app.example.com', '/apix'],
      ['x.example.com', '/static'],
      ['x.example.com', '/'],
      ['example.com', '/static/x'],
      ['other.org', '/api'],
      ['', '/api'],
      ['app.example.com', ''],
      ['.example.com', '/static/x'],
    ])('%j %j has no route', (host, path) => {
      expect(partial.lookup(host, path)).toBeUndefined();
    });

    it('finds nothing in an empty table', () => {
      const empty = compileRouteTable<TestRoute>([]);
      expect(empty.size).toBe(0);
      expect(empty.lookup('app.example.com', '/')).toBeUndefined();
    });
  });

  it.each([
    [[entry('app.example.com', '/api', 'one'), entry('app.example.com', '/api', 'two')], /"one".*"two"/],
    [
      [entry('App.Example.com', '/', 'one'), entry('x.org', '/', 'other'), entry('app.example.COM', '/', 'two')],
      /"one" \(entries\[0\]\).*"two" \(entries\[2\]\)/,
    ],
    [[entry('*.example.com', '/', 'one'), entry('*.EXAMPLE.com', '/', 'two')], /"one".*"two"/],
    [[entry('*', '/a', 'one'), entry('*', '/a', 'two')], /"one".*"two"/],
  ])('refuses duplicate host and prefix %#', (entries, message) => {
    expect(() => compileRouteTable(entries)).toThrow(TypeError);
    expect(() => compileRouteTable(entries)).toThrow(message);
  });

  it('names unnamed duplicates by position', () => {
    expect(() =>
      compileRouteTable([
        { host: 'a.org', pathPrefix: '/', route: 1 },
        { host: 'a.org', pathPrefix: '/', route: 2 },
      ]),
    ).toThrow('entries[0] and entries[1] both match host "a.org" and path prefix "/"');
  });

  it('keeps the same prefix on different host levels apart', () => {
    const levels = compileRouteTable([
      entry('example.com', '/', 'exact'),
      entry('*.example.com', '/', 'wild'),
      entry('*', '/', 'any'),
    ]);
    expect(levels.lookup('example.com', '/')?.name).toBe('exact');
    expect(levels.lookup('a.example.com', '/')?.name).toBe('wild');
    expect(levels.lookup('example.org', '/')?.name).toBe('any');
  });

  it.each([
    ['', '/'],
    ['example.com:8080', '/'],
    ['example.com.', '/'],
    ['exa mple.com', '/'],
    ['ex_ample.com', '/'],
    ['*.', '/'],
    ['*.*.example.com', '/'],
    ['**.example.com', '/'],
    ['a.*.example.com', '/'],
    ['*example.com', '/'],
    ['*.[::1]', '/'],
    ['example.com', ''],
    ['example.com', 'api'],
    ['example.com', '/a b'],
    ['example.com', '/a?x=1'],
    ['example.com', '/a#x'],
    ['example.com', '/a/../b'],
    ['example.com', '/a/.'],
    ['example.com', '/%7Euser'],
    ['example.com', '/a%2fb'],
    ['example.com', '/a\\b'],
  ])('refuses host %j with prefix %j', (host, pathPrefix) => {
    expect(() => compileRouteTable([entry(host, pathPrefix, 'bad')])).toThrow(TypeError);
  });

  it('answers like a scan over every route, by the precedence rules', () => {
    const hostPattern = fc.constantFrom('*', 'a.x', 'b.a.x', 'x', '*.x', '*.a.x', '*.b.a.x', 'y');
    const prefix = fc.constantFrom('/', '/p', '/p/', '/p/q', '/p/q/', '/pq', '//', '//p');
    const requestHost = fc.constantFrom('a.x', 'b.a.x', 'c.b.a.x', 'x', 'y', 'z', 'c.x', 'ax');
    const requestPath = fc.constantFrom('/', '/p', '/p/', '/p/q', '/p/q/r', '/pq', '/pqr', '//', '//p/q', '/q');
    const config = fc.uniqueArray(fc.tuple(hostPattern, prefix), { selector: ([h, p]) => `${h} ${p}`, maxLength: 30 });
    fc.assert(
      fc.property(config, requestHost, requestPath, (pairs, host, path) => {
        const entries = pairs.map(([h, p], i) => entry(h, p, `r${String(i)}`));
        expect(compileRouteTable(entries).lookup(host, path)?.name).toBe(scan(entries, host, path));
      }),
      { numRuns: 3000 },
    );
  });
});

/** The same rules, the slow and obvious way: host levels in order, the longest matching prefix in each. */
function scan(entries: ReadonlyArray<RouteTableEntry<TestRoute>>, host: string, path: string): string | undefined {
  const underPrefix = (prefix: string) =>
    path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  const wildcards = entries
    .map((e) => e.host)
    .filter((h) => h.startsWith('*.') && host.endsWith(h.slice(1)) && host.length > h.length - 1)
    .sort((a, b) => b.length - a.length);
  const levels = [host, ...new Set(wildcards), '*'];
  for (const level of levels) {
    const best = entries
      .filter((e) => e.host === level && underPrefix(e.pathPrefix))
      .sort((a, b) => b.pathPrefix.length - a.pathPrefix.length)[0];
    if (best !== undefined) return best.route.name;
  }
  return undefined;
}
