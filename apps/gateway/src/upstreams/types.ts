import type { HealthCheckConfig } from '@rustronaut/contracts';

/** How a set picks among its available members. */
export type LoadBalancing = 'round-robin' | 'weighted' | 'least-connections';

/** Where an upstream lives: an HTTP base URL or a TCP address. */
export interface UpstreamAddress {
  /** Stable id for metrics and logs: the URL or `host:port`. */
  readonly id: string;
  /** Host name or IP to connect to (an IPv6 address without brackets). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Relative share, 1 to 1000. */
  readonly weight: number;
  /** Speaks TLS (an `https://` upstream): `http` health checks then use HTTPS and verify its certificate. */
  readonly tls?: boolean | undefined;
}

/** One member of an upstream set, as the proxy sees it. */
export interface Upstream extends UpstreamAddress {
  /** In rotation: not failed by active checks and not passively ejected. */
  readonly available: boolean;
  /** Requests or connections in flight right now. */
  readonly active: number;
  /** Counts a request/connection as in flight; call the returned function exactly once when it ends. */
  acquire(): () => void;
  /**
   * Reports how a request went, for passive ejection: `ok` false on a connect failure, timeout or 5xx.
   * Consecutive failures eject the member for a while.
   */
  report(ok: boolean): void;
}

/** A balancing strategy: picks one of the available members, or none. Tiny, pure apart from its own cursor. */
export interface Balancer {
  /** Picks among `members` (all available); `undefined` only when the list is empty. */
  pick(members: readonly Upstream[]): Upstream | undefined;
}

/** Options of an upstream set. */
export interface UpstreamSetOptions {
  readonly name: string;
  readonly members: readonly UpstreamAddress[];
  readonly loadBalancing: LoadBalancing;
  /** Active checks; none means members are healthy until passive ejection says otherwise. */
  readonly healthCheck?: HealthCheckConfig | undefined;
  /** Passive ejection settings. */
  readonly passiveHealth?: { readonly consecutiveFailures: number; readonly ejectMs: number } | undefined;
  /** Called when a member enters or leaves rotation (for metrics and logs). */
  readonly onAvailabilityChange?: ((member: Upstream, available: boolean, reason: string) => void) | undefined;
}

/** The members of one route or TCP listener, their health, and the strategy that picks among them. */
export interface UpstreamSet {
  readonly name: string;
  readonly members: readonly Upstream[];
  /** Picks an available member, skipping `exclude` (e.g. the one that just failed to connect); undefined if none. */
  pick(exclude?: Upstream): Upstream | undefined;
  /** Starts active health checks (no-op without them). */
  start(): void;
  /** Stops health checks and timers; the set can be dropped afterwards. */
  stop(): void;
}
