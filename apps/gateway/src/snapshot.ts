import type { GatewayFileConfig, HttpRouteConfig, TcpRouteConfig } from '@rustronaut/contracts';
import type { KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import {
  createAssertionSigner,
  generateSigningKey,
  loadSigningKey,
  type AssertionSigner,
} from './access/assertion-signer.js';
import { createRemoteKeySource, type KeySource } from './access/key-source.js';
import type { RedeemCode } from './access/managed-access.js';
import type { OrgAccess } from './access/org-access.js';
import type { RouteAccess } from './access/access-decision.js';
import { compileRouteAccess } from './access/route-access.js';
import { compileTrustedProxies, type TrustedProxies } from './proxy/forwarding.js';
import { compileCors, type CompiledCors } from './proxy/cors.js';
import { securityHeaderList } from './proxy/security-headers.js';
import type { RateLimitRule } from './rate-limit/types.js';
import { compileRouteTable, type RouteTable } from './routing/route-table.js';
import { createUpstreamSet } from './upstreams/upstream-set.js';
import type { Upstream, UpstreamSet } from './upstreams/types.js';

/** Where requests for one upstream member go. */
export interface UpstreamTarget {
  /** `http://host:port`, the undici origin. */
  readonly origin: string;
  /** Path prefix from the upstream URL, '' when it has none. */
  readonly basePath: string;
}

/** An HTTP route, compiled: everything the hot path needs, precomputed. */
export interface CompiledRoute {
  readonly name: string;
  readonly config: HttpRouteConfig;
  readonly upstreams: UpstreamSet;
  readonly targets: ReadonlyMap<string, UpstreamTarget>;
  readonly dispatcher: Dispatcher;
  readonly rateLimit: RateLimitRule | undefined;
  readonly cors: CompiledCors | undefined;
  /** Security headers as flat [name, value] pairs, added when the upstream did not set them. */
  readonly securityHeaders: ReadonlyArray<readonly [string, string]>;
  /** Strict-Transport-Security value for HTTPS responses, when enabled. */
  readonly hsts: string | undefined;
  /** Who may use the route, and how they authenticate. */
  readonly access: RouteAccess;
}

/** One immutable, compiled gateway configuration; swapped atomically on reload. */
export interface Snapshot {
  readonly version: number;
  readonly table: RouteTable<CompiledRoute>;
  readonly routes: readonly CompiledRoute[];
  readonly trusted: TrustedProxies;
  readonly tcp: readonly TcpRouteConfig[];
  readonly source: GatewayFileConfig;
  /** Signs the identity assertions sent upstream and publishes their key. */
  readonly signer: AssertionSigner;
  /** PEM of every mTLS route's CAs, for the HTTPS listener's trust store; empty when no route uses mTLS. */
  readonly clientCa: readonly string[];
  /** Hosts of the routes that ask for a client certificate. */
  readonly clientCaHosts: ReadonlySet<string>;
}

/** What compiling needs from the running gateway. */
export interface CompileDeps {
  /** A keep-alive dispatcher for a connect timeout; the gateway caches them across reloads. */
  dispatcherFor(connectMs: number): Dispatcher;
  /** Told when an upstream enters or leaves rotation. */
  onAvailabilityChange(route: string, member: Upstream, available: boolean, reason: string): void;
  /** The remote JWKS of a URL, kept across reloads; by default a new one per compilation. */
  readonly keySourceFor?: (url: string) => KeySource;
  /** The assertion key used when the file names none (`identity.signingKeyFile`); by default a new one. */
  readonly signingKey?: KeyObject;
  /** The org's access material and code exchange, for routes with `managed` access (from an admin). */
  readonly managed?: { readonly org: OrgAccess; readonly redeem: RedeemCode } | undefined;
}

/**
 * Compiles a parsed gateway file into a snapshot. Throws a TypeError naming the offending field when the
 * file is valid YAML but inconsistent (duplicate route names, bad CIDRs, duplicate host and prefix).
 * Health checks do not start until {@link activateSnapshot}.
 */
export function compileSnapshot(source: GatewayFileConfig, version: number, deps: CompileDeps): Snapshot {
  const names = new Set<string>();
  for (const r of [...source.routes, ...source.tcp]) {
    if (names.has(r.name)) throw new TypeError(`routes: the name "${r.name}" is used twice`);
    names.add(r.name);
  }
  const hstsMaxAge = source.tls?.hstsMaxAgeSeconds ?? 31_536_000;
  const accessDeps = {
    keySourceFor: deps.keySourceFor ?? ((url: string) => createRemoteKeySource({ url, onError: () => undefined })),
    managed: deps.managed,
  };
  const routes = source.routes.map((config, index): CompiledRoute => {
    const accessField = `routes[${String(index)}].access`;
    if (config.access !== 'public' && config.access.mtls !== undefined && source.listen.https === undefined) {
      throw new TypeError(`${accessField}.mtls: client certificates need the HTTPS listener (listen.https and tls)`);
    }
    const access = compileRouteAccess(config.access, accessField, accessDeps, config.name);
    const targets = new Map<string, UpstreamTarget>();
    const members = config.upstreams.map((u) => {
      const url = new URL(u.url);
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const id = url.href;
      targets.set(id, { origin: url.origin, basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '') });
      return { id, host: url.hostname.replace(/^\[|\]$/g, ''), port, weight: u.weight, tls: url.protocol === 'https:' };
    });
    return {
      name: config.name,
      config,
      targets,
      upstreams: createUpstreamSet({
        name: config.name,
        members,
        loadBalancing: config.loadBalancing,
        healthCheck: config.healthCheck,
        passiveHealth: config.passiveHealth,
        onAvailabilityChange: (member, available, reason) =>
          deps.onAvailabilityChange(config.name, member, available, reason),
      }),
      dispatcher: deps.dispatcherFor(config.timeouts.connectMs),
      rateLimit: config.rateLimit && {
        ratePerSecond: config.rateLimit.requestsPerSecond,
        burst: config.rateLimit.burst,
      },
      cors: config.cors && compileCors(config.cors),
      securityHeaders: securityHeaderList(config.securityHeaders),
      hsts: config.securityHeaders.hsts ? `max-age=${String(hstsMaxAge)}` : undefined,
      access,
    };
  });
  // The org's key when an admin manages the gateway, so every gateway of the org signs with the same one.
  const signingKey =
    source.identity.signingKeyFile === undefined
      ? (deps.managed?.org.assertionKey ?? deps.signingKey ?? generateSigningKey())
      : loadSigningKey(source.identity.signingKeyFile, 'identity.signingKeyFile');
  const table = compileRouteTable(
    routes.map((route) => ({ host: route.config.match.host, pathPrefix: route.config.match.pathPrefix, route })),
  );
  return {
    version,
    table,
    routes,
    trusted: compileTrustedProxies(source.trustedProxies),
    tcp: source.tcp,
    source,
    signer: createAssertionSigner({ issuer: source.identity.issuer, key: signingKey }),
    clientCa: [...new Set(routes.flatMap((r) => r.access.clientCa?.pem ?? []))],
    clientCaHosts: new Set(routes.filter((r) => r.access.clientCa !== undefined).map((r) => r.config.match.host)),
  };
}

/** Starts the snapshot's health checks and the first fetch of remote keys. */
export function activateSnapshot(snapshot: Snapshot): void {
  for (const r of snapshot.routes) {
    r.upstreams.start();
    r.access.prefetch();
  }
}

/** Stops the snapshot's health checks; in-flight requests that hold its routes still finish. */
export function retireSnapshot(snapshot: Snapshot): void {
  for (const r of snapshot.routes) r.upstreams.stop();
}
