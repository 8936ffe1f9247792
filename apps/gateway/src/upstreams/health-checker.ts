import type { HealthCheckConfig } from '@rustronaut/contracts';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { checkInteger, MAX_TIMER_MS, shown } from './option-checks.js';
import type { UpstreamAddress } from './types.js';

/** Active health checks of a list of upstreams. */
export interface HealthChecker {
  /** Starts checking every target: the first check right away (a little jittered), then every `intervalMs`. */
  start(): void;
  /** Cancels scheduled and in-flight checks; no request is sent and no change reported afterwards. */
  stop(): void;
}

/** Told when a target's health flips: after `unhealthyAfter` failed or `healthyAfter` passed checks in a row. */
export type HealthChangeListener<Target> = (target: Target, healthy: boolean, reason: string) => void;

// A visible-ASCII path: Node would throw on anything else when the request is built, inside a timer.
const CHECK_PATH = /^\/[\x21-\x7e]*$/;

/**
 * Checks each target every `intervalMs`: `http` sends `GET path` over a fresh connection (TLS for `tls` targets)
 * and passes on 2xx/3xx; `tcp` passes when a connection opens. Either fails after `timeoutMs`. A target starts
 * healthy. The next check of a target is scheduled when its previous one ends, so checks of one target never
 * overlap; each delay gets up to 10% jitter (at most 1 s) so that many sets started together do not probe in step.
 * Timers and sockets are unref'd: checks never keep the process alive.
 */
export function createHealthChecker<Target extends UpstreamAddress>(
  config: HealthCheckConfig,
  targets: readonly Target[],
  onChange: HealthChangeListener<Target>,
): HealthChecker {
  checkConfig(config);
  const { intervalMs, timeoutMs, unhealthyAfter, healthyAfter } = config;
  const jitterMs = Math.min(intervalMs / 10, 1000);
  const probe: Probe =
    config.type === 'http' ? (target, ms, done) => probeHttp(config.path, target, ms, done) : probeTcp;

  interface State {
    readonly target: Target;
    healthy: boolean;
    /** Consecutive results that disagree with `healthy`. */
    streak: number;
    timer: NodeJS.Timeout | undefined;
    cancel: (() => void) | undefined;
  }
  const states: State[] = targets.map((target) => ({
    target,
    healthy: true,
    streak: 0,
    timer: undefined,
    cancel: undefined,
  }));
  let running = false;

  const schedule = (state: State, delayMs: number) => {
    state.timer = setTimeout(() => run(state), delayMs + Math.random() * jitterMs);
    state.timer.unref();
  };

  const run = (state: State) => {
    state.timer = undefined;
    state.cancel = probe(state.target, timeoutMs, (failure) => {
      state.cancel = undefined;
      record(state, failure);
      if (running) schedule(state, intervalMs);
    });
  };

  const record = (state: State, failure: string | undefined) => {
    const passed = failure === undefined;
    if (passed === state.healthy) {
      state.streak = 0;
      return;
    }
    state.streak++;
    if (state.streak < (passed ? healthyAfter : unhealthyAfter)) return;
    state.healthy = passed;
    state.streak = 0;
    onChange(state.target, passed, passed ? 'active check passed' : `active check failed: ${failure}`);
  };

  return {
    start() {
      if (running) return;
      running = true;
      for (const state of states) schedule(state, 0);
    },
    stop() {
      running = false;
      for (const state of states) {
        clearTimeout(state.timer);
        state.timer = undefined;
        state.cancel?.();
        state.cancel = undefined;
      }
    },
  };
}

function checkConfig(config: HealthCheckConfig): void {
  if (typeof config !== 'object' || config === null) throw new TypeError('healthCheck must be an object');
  if (config.type !== 'http' && config.type !== 'tcp') {
    throw new TypeError(`healthCheck.type must be "http" or "tcp", got ${shown(config.type)}`);
  }
  if (typeof config.path !== 'string' || !CHECK_PATH.test(config.path)) {
    throw new TypeError(`healthCheck.path must start with "/" and hold only visible ASCII, got ${shown(config.path)}`);
  }
  checkInteger(config.intervalMs, 1, MAX_TIMER_MS, 'healthCheck.intervalMs');
  checkInteger(config.timeoutMs, 1, MAX_TIMER_MS, 'healthCheck.timeoutMs');
  checkInteger(config.unhealthyAfter, 1, Number.MAX_SAFE_INTEGER, 'healthCheck.unhealthyAfter');
  checkInteger(config.healthyAfter, 1, Number.MAX_SAFE_INTEGER, 'healthCheck.healthyAfter');
}

/** Ends with `undefined` on a pass or a short reason on a failure; returns a function that cancels it silently. */
type Probe = (target: UpstreamAddress, timeoutMs: number, done: (failure: string | undefined) => void) => () => void;

/** The part of a failed connection worth logging: `ECONNREFUSED`, `CERT_HAS_EXPIRED`, or the message. */
const reasonOf = (err: Error): string => (err as NodeJS.ErrnoException).code ?? err.message;

/**
 * Runs one attempt with a deadline. `open` starts it and returns the resource to destroy when it ends, whichever
 * way; `settle` passed to `open` may be called any number of times, only the first counts, and none after a cancel.
 */
function attempt(
  timeoutMs: number,
  done: (failure: string | undefined) => void,
  open: (settle: (failure: string | undefined) => void) => { destroy(): unknown },
): () => void {
  let settled = false;
  const end = () => {
    settled = true;
    clearTimeout(timer);
    resource.destroy();
  };
  const settle = (failure: string | undefined) => {
    if (settled) return;
    end();
    done(failure);
  };
  const timer = setTimeout(() => settle(`timed out after ${String(timeoutMs)} ms`), timeoutMs);
  timer.unref();
  const resource = open(settle);
  return () => {
    if (!settled) end();
  };
}

const probeTcp: Probe = (target, timeoutMs, done) =>
  attempt(timeoutMs, done, (settle) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.unref();
    socket.once('connect', () => settle(undefined));
    socket.on('error', (err) => settle(reasonOf(err)));
    return socket;
  });

function probeHttp(
  path: string,
  target: UpstreamAddress,
  timeoutMs: number,
  done: (failure: string | undefined) => void,
): () => void {
  return attempt(timeoutMs, done, (settle): ClientRequest => {
    // `agent: false`: a fresh connection each time, so a check sees what a new proxied connection would.
    const req = (target.tls === true ? httpsRequest : httpRequest)({
      host: target.host,
      port: target.port,
      path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'rustronaut-health-check', connection: 'close' },
    });
    req.on('socket', (socket) => socket.unref());
    req.on('response', (res: IncomingMessage) => {
      // The body is not read: the status decides, and the connection is closed right after.
      res.on('error', () => undefined);
      const status = res.statusCode ?? 0;
      settle(status >= 200 && status < 400 ? undefined : `HTTP ${String(status)}`);
    });
    req.on('error', (err) => settle(reasonOf(err)));
    req.end();
    return req;
  });
}
