// Route lookup cost against table size: `npx vitest bench bench/gateway/route-table.bench.ts --run`.
// Each benchmark op is one batch of LOOKUPS_PER_OP lookups over the same mix of requests (exact hosts, deep
// wildcards, fallbacks to `*`, misses), so ops/s times LOOKUPS_PER_OP is lookups per second. The figures should
// stay roughly flat from 10 to 10,000 routes: lookup never scans the routes.
import { bench, describe } from 'vitest';
import { normalizeHost } from '../../apps/gateway/src/routing/normalize-host.js';
import { normalizePath } from '../../apps/gateway/src/routing/normalize-path.js';
import {
  compileRouteTable,
  type RouteTable,
  type RouteTableEntry,
} from '../../apps/gateway/src/routing/route-table.js';

const LOOKUPS_PER_OP = 1000;
const SIZES = [10, 1_000, 10_000] as const;

/** `size` routes: about 60% on exact hosts (3 prefixes each), 40% on wildcards (2 each), plus `* /health`. */
function entriesOf(size: number): RouteTableEntry<number>[] {
  const entries: RouteTableEntry<number>[] = [{ host: '*', pathPrefix: '/health', route: 0 }];
  for (let i = 0; entries.length < size; i++) {
    const exact = `svc${String(i)}.example.com`;
    const wildcard = `*.tenant${String(i)}.example.net`;
    const candidates: [string, string][] = [
      [exact, '/'],
      [exact, '/api'],
      [exact, '/api/v1/'],
      [wildcard, '/'],
      [wildcard, '/static'],
    ];
    for (const [host, pathPrefix] of candidates) {
      if (entries.length < size) entries.push({ host, pathPrefix, route: entries.length });
    }
  }
  return entries;
}

/** The same mix of requests for every size, spread over all the hosts of the table of that size. */
function requestsFor(size: number): [string, string][] {
  const hosts = Math.max(1, Math.floor(size / 5));
  const requests: [string, string][] = [];
  for (let i = 0; i < LOOKUPS_PER_OP; i++) {
    const n = String(i % hosts);
    switch (i % 8) {
      case 0:
        requests.push([`svc${n}.example.com`, '/api/v1/users/123/orders']); // exact host, deepest prefix
        break;
      case 1:
        requests.push([`svc${n}.example.com`, '/apix/index.html']); // exact host, segment boundary -> "/"
        break;
      case 2:
        requests.push([`a.tenant${n}.example.net`, '/static/js/app.js']); // one label in front
        break;
      case 3:
        requests.push([`x.y.z.tenant${n}.example.net`, '/dashboard']); // several labels in front
        break;
      case 4:
        requests.push([`svc${n}.example.com`, '/']);
        break;
      case 5:
        requests.push(['unknown.example.org', '/health/live']); // falls through to `*`
        break;
      case 6:
        requests.push(['unknown.example.org', '/some/deep/path/that/matches/nothing']); // miss
        break;
      default:
        requests.push([`nope${n}.example.com`, '/api']); // miss: no such exact host, no wildcard
    }
  }
  return requests;
}

let sink = 0;
const run = (table: RouteTable<number>, requests: readonly [string, string][]) => () => {
  for (const [host, path] of requests) sink += table.lookup(host, path) ?? -1;
};

describe(`route lookup, ${String(LOOKUPS_PER_OP)} lookups per op`, () => {
  for (const size of SIZES) {
    const table = compileRouteTable(entriesOf(size));
    bench(`${String(size)} routes`, run(table, requestsFor(size)), { time: 2000 });
  }
});

describe('compile', () => {
  for (const size of SIZES) {
    const entries = entriesOf(size);
    bench(`${String(size)} routes`, () => {
      sink += compileRouteTable(entries).size;
    });
  }
});

// What each request pays before the lookup: already-canonical input takes the fast path, the rest is rewritten.
describe(`normalize, ${String(LOOKUPS_PER_OP)} requests per op`, () => {
  const canonical = requestsFor(1_000).map(([host, path]): [string, string] => [`${host}:8443`, `${path}?page=2`]);
  const rewritten = canonical.map(([host, path]): [string, string] => [
    host.toUpperCase(),
    path.replace('/', '/./%7e/../').replace('a', '%61'),
  ]);
  for (const [name, requests] of [
    ['canonical', canonical],
    ['rewritten', rewritten],
  ] as const) {
    bench(name, () => {
      for (const [host, target] of requests) {
        sink += normalizeHost(host)?.length ?? 0;
        const path = normalizePath(target);
        sink += 'error' in path ? 0 : path.path.length;
      }
    });
  }
});

process.on('exit', () => {
  // Keeps the lookups observable so the optimizer cannot drop them.
  if (sink === Number.MIN_VALUE) console.log(sink);
});
