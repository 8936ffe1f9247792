import { createBalancer } from './create-balancer.js';
import { createHealthChecker, type HealthChecker } from './health-checker.js';
import { checkInteger, MAX_TIMER_MS, shown } from './option-checks.js';
import type { Balancer, Upstream, UpstreamAddress, UpstreamSet, UpstreamSetOptions } from './types.js';

// A host name or IP: whitespace, control characters, brackets or URL delimiters mean a URL or garbage slipped in.
const HOST = /^[^\s\p{Cc}/?#@[\]]+$/u;

type PassiveHealth = NonNullable<UpstreamSetOptions['passiveHealth']>;

/** One member: its address, what is in flight, and why it is out of rotation, if it is. */
class Member implements Upstream {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly tls: boolean | undefined;
  available = true;
  active = 0;
  /** Failed by active checks. */
  checkFailed = false;
  /** Passively ejected; `ejectTimer` brings it back. */
  ejected = false;
  ejectTimer: NodeJS.Timeout | undefined;
  /** Back from an ejection and not yet confirmed by a success: one failure ejects it again (half-open). */
  onProbation = false;
  /** Failed requests in a row. */
  failures = 0;
  /** The available members other than this one, for retries; built on first need, dropped on any change. */
  others: readonly Member[] | undefined;

  constructor(
    address: UpstreamAddress,
    readonly owner: MemberSet,
  ) {
    this.id = address.id;
    this.host = address.host;
    this.port = address.port;
    this.weight = address.weight;
    this.tls = address.tls;
  }

  acquire(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }

  report(ok: boolean): void {
    this.owner.report(this, ok);
  }
}

class MemberSet implements UpstreamSet {
  readonly name: string;
  readonly members: readonly Member[];
  /** The members in rotation, rebuilt only when one enters or leaves, so `pick` allocates nothing. */
  private available: readonly Member[];
  private readonly balancer: Balancer;
  private readonly checker: HealthChecker | undefined;
  private readonly passive: PassiveHealth | undefined;
  private readonly onAvailabilityChange: UpstreamSetOptions['onAvailabilityChange'];
  private stopped = false;

  constructor(options: UpstreamSetOptions) {
    checkMembers(options.members);
    checkPassiveHealth(options.passiveHealth);
    if (options.onAvailabilityChange !== undefined && typeof options.onAvailabilityChange !== 'function') {
      throw new TypeError(`onAvailabilityChange must be a function, got ${shown(options.onAvailabilityChange)}`);
    }
    this.name = options.name;
    this.balancer = createBalancer(options.loadBalancing);
    this.members = options.members.map((address) => new Member(address, this));
    this.available = this.members;
    this.passive = options.passiveHealth;
    this.onAvailabilityChange = options.onAvailabilityChange;
    this.checker =
      options.healthCheck === undefined
        ? undefined
        : createHealthChecker(options.healthCheck, this.members, (member, healthy, reason) => {
            member.checkFailed = !healthy;
            // An active check that passes again is first-hand proof of recovery: it also ends a passive ejection.
            if (healthy && member.ejected) this.endEjection(member);
            this.update(member, reason);
          });
  }

  pick(exclude?: Upstream): Upstream | undefined {
    if (exclude instanceof Member && exclude.owner === this && exclude.available) {
      exclude.others ??= this.available.filter((member) => member !== exclude);
      return this.balancer.pick(exclude.others);
    }
    return this.balancer.pick(this.available);
  }

  start(): void {
    if (this.stopped) throw new Error(`upstream set "${this.name}" was stopped; build a new one`);
    this.checker?.start();
  }

  stop(): void {
    this.stopped = true;
    this.checker?.stop();
    for (const member of this.members) clearTimeout(member.ejectTimer);
  }

  /**
   * Passive health. Reports that arrive while a member is ejected (requests that were already in flight) or after
   * `stop()` (the set is being retired) change nothing.
   */
  report(member: Member, ok: boolean): void {
    const passive = this.passive;
    if (passive === undefined || member.ejected || this.stopped) return;
    if (ok) {
      member.failures = 0;
      member.onProbation = false;
      return;
    }
    member.failures++;
    if (member.onProbation) {
      this.eject(member, passive.ejectMs, 'ejected again: its first request after the ejection failed');
    } else if (member.failures >= passive.consecutiveFailures) {
      this.eject(member, passive.ejectMs, `ejected after ${String(member.failures)} consecutive failures`);
    }
  }

  private eject(member: Member, ejectMs: number, reason: string): void {
    member.ejected = true;
    member.failures = 0;
    member.onProbation = false;
    member.ejectTimer = setTimeout(() => {
      this.endEjection(member);
      this.update(member, `ejection ended after ${String(ejectMs)} ms`);
    }, ejectMs);
    member.ejectTimer.unref();
    this.update(member, reason);
  }

  /** Ends a passive ejection; the member is on probation until its next request succeeds. */
  private endEjection(member: Member): void {
    clearTimeout(member.ejectTimer);
    member.ejectTimer = undefined;
    member.ejected = false;
    member.onProbation = true;
  }

  /** Recomputes a member's availability from its two causes and tells the listener when it flips. */
  private update(member: Member, reason: string): void {
    const available = !member.checkFailed && !member.ejected;
    if (available === member.available) return;
    member.available = available;
    this.available = this.members.filter((m) => m.available);
    for (const m of this.members) m.others = undefined;
    this.onAvailabilityChange?.(member, available, reason);
  }
}

/**
 * Builds the members of one route or TCP listener with their balancer, passive ejection and (when `healthCheck`
 * is given) active checks, which run from `start()` to `stop()`. Options are checked here, so a bad set fails when
 * the config is compiled, never on a request.
 *
 * When no member is available, `pick()` returns undefined and the proxy answers 503. It does not fall back to
 * members that failed their checks (what Envoy calls "panic mode"): a gateway that guards access fails closed,
 * and a 503 says plainly what a request to a dead upstream would only say after a timeout.
 */
export function createUpstreamSet(options: UpstreamSetOptions): UpstreamSet {
  if (typeof options !== 'object' || options === null) throw new TypeError('upstream set: options must be an object');
  const { name } = options;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`upstream set: name must be a non-empty string, got ${shown(name)}`);
  }
  try {
    return new MemberSet(options);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new TypeError(`upstream set ${JSON.stringify(name)}: ${err.message}`, { cause: err });
  }
}

function checkMembers(members: unknown): void {
  if (!Array.isArray(members) || members.length === 0) {
    throw new TypeError(`members must be a non-empty array, got ${shown(members)}`);
  }
  const ids = new Set<string>();
  for (const [index, member] of (members as unknown[]).entries()) {
    const field = `members[${String(index)}]`;
    if (typeof member !== 'object' || member === null) {
      throw new TypeError(`${field} must be an object, got ${shown(member)}`);
    }
    const { id, host, port, weight, tls } = member as Record<string, unknown>;
    if (typeof id !== 'string' || id === '')
      throw new TypeError(`${field}.id must be a non-empty string, got ${shown(id)}`);
    if (ids.has(id)) throw new TypeError(`${field}.id ${JSON.stringify(id)} is used twice; ids must be unique`);
    ids.add(id);
    if (typeof host !== 'string' || !HOST.test(host)) {
      throw new TypeError(
        `${field}.host must be a host name or IP address (IPv6 without brackets), got ${shown(host)}`,
      );
    }
    checkInteger(port, 1, 65_535, `${field}.port`);
    checkInteger(weight, 1, 1000, `${field}.weight`);
    if (tls !== undefined && typeof tls !== 'boolean')
      throw new TypeError(`${field}.tls must be a boolean, got ${shown(tls)}`);
  }
}

function checkPassiveHealth(passive: unknown): void {
  if (passive === undefined) return;
  if (typeof passive !== 'object' || passive === null) {
    throw new TypeError(`passiveHealth must be an object, got ${shown(passive)}`);
  }
  const { consecutiveFailures, ejectMs } = passive as Record<string, unknown>;
  checkInteger(consecutiveFailures, 1, Number.MAX_SAFE_INTEGER, 'passiveHealth.consecutiveFailures');
  checkInteger(ejectMs, 1, MAX_TIMER_MS, 'passiveHealth.ejectMs');
}
