import { errors } from '@rustronaut/errors';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AssertionSigner } from '../access/assertion-signer.js';
import { CALLBACK_PATH } from '../access/managed-access.js';
import type { AccessDecision, AccessRequest, AccessVerdict } from '../access/access-decision.js';
import type { SourceBlocker } from '../access/source-blocker.js';
import { clientScheme, identityHeaders, requestOrigin } from '../access/upstream-identity.js';
import { answerJwks, isJwksRequest } from '../access/well-known.js';
import { methodLabel, type GatewayMetrics } from '../gateway-metrics.js';
import { rateLimitHeaders, type RateLimiter } from '../rate-limit/rate-limiter.js';
import type { CompiledRoute, Snapshot } from '../snapshot.js';
import type { Upstream } from '../upstreams/types.js';
import type { AccessLogEntry } from './access-log.js';
import { corsPreflightHeaders, corsResponseHeaders } from './cors.js';
import { connectionListed, isHopByHop } from './hop-by-hop.js';
import { upstreamRequestHeaders } from './upstream-headers.js';
import { sendProblem } from './problem.js';
import { requestIdOf, routeRequest, type Routed } from './request-context.js';
import { normalizeHost } from '../routing/normalize-host.js';
import { IDEMPOTENT_METHODS, isConnectFailure, upstreamFailure } from './upstream-errors.js';

/** What the request handler needs from the gateway. */
export interface HttpProxyDeps {
  /** The snapshot in force; read once per request, so a reload never changes a request midway. */
  snapshot(): Snapshot;
  /** Scheme clients used to reach this listener. */
  readonly proto: 'http' | 'https';
  readonly rateLimiter: RateLimiter;
  readonly metrics: GatewayMetrics;
  /** Access-log writer; undefined turns the access log off. */
  readonly accessLog: ((entry: AccessLogEntry) => void) | undefined;
  /** Hears every access decision of a managed route with the response status (for the admin's audit log). */
  readonly reportAccess?: (report: AccessReport) => void;
  /** Blocks source addresses whose requests to protected routes keep being refused. */
  readonly blocker?: SourceBlocker;
}

/** Refusals that count towards blocking a source: bad credentials and policy denials, not a first visit. */
const COUNTED_REFUSALS = new Set(['invalid_credentials', 'denied_by_rule', 'no_matching_allow', 'callback_invalid']);

/** An access decision of a managed route, once its response is known. */
export interface AccessReport {
  readonly verdict: AccessVerdict;
  readonly route: string;
  readonly client: string;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly status: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Per-route metric children, bound once: label hashing on every request is measurable at 10k+ req/s. */
class RouteMetrics {
  private readonly counters = new Map<string, { inc(): void }>();
  readonly duration: { observe(value: number): void };

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly route: string,
  ) {
    this.duration = metrics.duration.labels(route);
  }

  count(method: string, code: number): void {
    const key = `${method} ${String(code)}`;
    let counter = this.counters.get(key);
    if (counter === undefined) {
      counter = this.metrics.requests.labels(this.route, method, String(code));
      this.counters.set(key, counter);
    }
    counter.inc();
  }
}

/** One request's state, in a single object to keep the hot path allocation-light. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly started: number;
  route: CompiledRoute | undefined;
  upstream: Upstream | undefined;
  client: string;
  host: string | undefined;
  /** The upstream request in flight, to abort when the client goes away. */
  inFlight: UpstreamRequest | undefined;
  /** The access decision of a managed route, reported when the exchange ends. */
  verdict: AccessVerdict | undefined;
}

/**
 * Creates the gateway's HTTP request handler: route, rate-limit, pick an upstream, stream the request and the
 * response through undici's dispatcher without buffering, and record metrics and one access-log line.
 */
export function createHttpProxy(deps: HttpProxyDeps): Handler {
  const { metrics } = deps;
  const routeMetrics = new Map<string, RouteMetrics>();
  const metricsFor = (route: string) => {
    let m = routeMetrics.get(route);
    if (m === undefined) {
      m = new RouteMetrics(metrics, route);
      routeMetrics.set(route, m);
    }
    return m;
  };

  const finish = (x: Exchange) => {
    if (!x.res.writableFinished) x.inFlight?.abortForClient();
    const route = x.route?.name ?? 'none';
    const seconds = (performance.now() - x.started) / 1000;
    const code = x.res.headersSent ? x.res.statusCode : 499;
    const m = metricsFor(route);
    m.count(methodLabel(x.req.method), code);
    m.duration.observe(seconds);
    const url = x.req.url ?? '';
    const q = url.indexOf('?');
    if (x.verdict !== undefined && deps.reportAccess !== undefined) {
      deps.reportAccess({
        verdict: x.verdict,
        route,
        client: x.client,
        method: x.req.method ?? '',
        host: x.host ?? '',
        path: q === -1 ? url : url.slice(0, q),
        status: code,
      });
    }
    if (deps.accessLog === undefined) return;
    deps.accessLog({
      requestId: x.requestId,
      route,
      method: x.req.method ?? '',
      host: x.host,
      path: q === -1 ? url : url.slice(0, q),
      status: code,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      upstream: x.upstream?.id,
      client: x.client,
    });
  };

  const responseHeaders = (x: Exchange, route: CompiledRoute, upstream: IncomingHttpHeaders): OutgoingHttpHeaders => {
    const out: OutgoingHttpHeaders = {};
    const listed = connectionListed(upstream.connection);
    for (const name in upstream) {
      if (isHopByHop(name) || listed?.has(name)) continue;
      out[name] = upstream[name];
    }
    out['x-request-id'] = x.requestId;
    for (const [name, value] of route.securityHeaders) if (out[name] === undefined) out[name] = value;
    if (deps.proto === 'https' && route.hsts !== undefined && out['strict-transport-security'] === undefined) {
      out['strict-transport-security'] = route.hsts;
    }
    const origin = x.req.headers.origin;
    if (route.cors !== undefined && origin !== undefined) Object.assign(out, corsResponseHeaders(route.cors, origin));
    return out;
  };

  const forward = (
    x: Exchange,
    route: CompiledRoute,
    target: string,
    headers: string[],
    member: Upstream,
    retried: boolean,
  ) => {
    const upstream = route.targets.get(member.id);
    if (upstream === undefined) throw new Error(`no target for ${member.id}`);
    x.upstream = member;
    const { req } = x;
    const hasBody =
      req.headers['content-length'] !== undefined
        ? req.headers['content-length'] !== '0'
        : req.headers['transfer-encoding'] !== undefined;
    const exchange = new UpstreamRequest(
      x,
      member,
      (h) => responseHeaders(x, route, h),
      (err) => {
        if (!retried && !hasBody && IDEMPOTENT_METHODS.has(req.method ?? '') && isConnectFailure(err)) {
          const other = route.upstreams.pick(member);
          if (other !== undefined) {
            forward(x, route, target, headers, other, true);
            return;
          }
        }
        const failure = upstreamFailure(err);
        sendProblem(req, x.res, failure.def, failure.detail, x.requestId);
      },
    );
    x.inFlight = exchange;
    route.dispatcher.dispatch(
      {
        origin: upstream.origin,
        path: upstream.basePath + target,
        method: req.method ?? 'GET',
        headers,
        body: hasBody ? req : null,
        headersTimeout: route.config.timeouts.responseHeaderMs,
        bodyTimeout: route.config.timeouts.idleMs,
      },
      exchange,
    );
  };

  const proceed = (x: Exchange, route: CompiledRoute, routed: RoutedOk, identity: readonly string[] | undefined) => {
    const member = route.upstreams.pick();
    if (member === undefined) {
      sendProblem(
        x.req,
        x.res,
        errors.gatewayNoHealthyUpstream,
        `no healthy upstream for route "${route.name}"`,
        x.requestId,
      );
      return;
    }
    const headers = upstreamRequestHeaders(x.req, {
      peer: routed.peer,
      trustedPeer: routed.trustedPeer,
      proto: deps.proto,
      host: x.host ?? '',
      requestId: x.requestId,
      preserveHost: route.config.preserveHost,
      identity,
    });
    forward(x, route, routed.target, headers, member, false);
  };

  const decided = (x: Exchange, route: CompiledRoute, routed: RoutedOk, signer: AssertionSigner, d: AccessDecision) => {
    x.verdict = d.verdict;
    if (d.verdict !== undefined && !d.verdict.allowed && COUNTED_REFUSALS.has(d.verdict.reason)) {
      if (deps.blocker?.refused(routed.client, Date.now()) === true) {
        // The block itself is an event of its own in the audit log (`access.blocked`).
        deps.reportAccess?.({
          verdict: { ...d.verdict, reason: 'source_blocked' },
          route: route.name,
          client: routed.client,
          method: x.req.method ?? '',
          host: routed.host,
          path: routed.path,
          status: 429,
        });
      }
    }
    // The client may have left while its credentials were being checked.
    if (x.req.socket.destroyed) return;
    if (!d.ok) {
      if (d.redirect === undefined) sendProblem(x.req, x.res, d.def, d.detail, x.requestId, d.headers);
      else x.res.writeHead(302, { ...d.headers, location: d.redirect, 'x-request-id': x.requestId }).end();
      return;
    }
    proceed(
      x,
      route,
      routed,
      d.identity && identityHeaders(signer, d.identity, originOf(x, routed), route.access.identityHeaders),
    );
  };

  const originOf = (x: Exchange, routed: RoutedOk) =>
    requestOrigin(
      clientScheme(x.req.headers['x-forwarded-proto'], routed.trustedPeer, deps.proto),
      routed.host,
      x.req.headers.host,
    );

  /** Authenticates the request when the route is protected, then forwards it. */
  const admit = (x: Exchange, route: CompiledRoute, routed: RoutedOk, signer: AssertionSigner) => {
    if (route.access.isPublic) {
      proceed(x, route, routed, undefined);
      return;
    }
    const blockedFor = deps.blocker?.blockedFor(routed.client, Date.now()) ?? 0;
    if (blockedFor > 0) {
      sendProblem(
        x.req,
        x.res,
        errors.gatewaySourceBlocked,
        'too many refused requests from this address; try again later',
        x.requestId,
        { 'retry-after': String(blockedFor) },
      );
      return;
    }
    const origin = originOf(x, routed);
    const request: AccessRequest = {
      origin,
      https: origin.startsWith('https:'),
      client: routed.client,
      path: routed.path,
      target: routed.target,
    };
    const decision =
      route.access.callback !== undefined && routed.path === CALLBACK_PATH
        ? route.access.callback(x.req, request)
        : route.access.check(x.req, request);
    if (!(decision instanceof Promise)) {
      decided(x, route, routed, signer, decision);
      return;
    }
    decision.then(
      (d) => decided(x, route, routed, signer, d),
      () => sendProblem(x.req, x.res, errors.internal, 'internal error', x.requestId),
    );
  };

  return (req, res) => {
    const x: Exchange = {
      req,
      res,
      requestId: requestIdOf(req),
      started: performance.now(),
      route: undefined,
      upstream: undefined,
      client: '',
      host: undefined,
      inFlight: undefined,
      verdict: undefined,
    };
    res.once('close', () => finish(x));
    const snapshot = deps.snapshot();
    // The assertion keys are the gateway's own, published on every host before routing (upstreams fetch them).
    if (isJwksRequest(req) && normalizeHost(req.headers.host) !== undefined) {
      answerJwks(req, res, snapshot.signer, x.requestId);
      return;
    }
    const routed = routeRequest(req, snapshot);
    x.client = routed.client;
    x.host = routed.host;
    if (!routed.ok) {
      sendProblem(req, res, routed.def, routed.detail, x.requestId);
      return;
    }
    const { route } = routed;
    x.route = route;
    const origin = req.headers.origin;
    const preflightMethod = req.headers['access-control-request-method'];
    if (req.method === 'OPTIONS' && route.cors !== undefined && origin !== undefined && preflightMethod !== undefined) {
      // Answer CORS preflights here (Fetch standard): the upstream never sees them.
      const headers = corsPreflightHeaders(route.cors, origin, preflightMethod);
      if (headers === undefined) {
        sendProblem(req, res, errors.gatewayCorsRejected, 'origin or method not allowed by CORS', x.requestId);
      } else {
        res.writeHead(204, { ...headers, 'x-request-id': x.requestId }).end();
      }
      return;
    }
    if (route.rateLimit === undefined) {
      admit(x, route, routed, snapshot.signer);
      return;
    }
    const rule = route.rateLimit;
    deps.rateLimiter.check(route.name, routed.client, rule).then(
      (decision) => {
        if (decision.allowed) {
          admit(x, route, routed, snapshot.signer);
          return;
        }
        metrics.rateLimited.inc({ route: route.name });
        sendProblem(
          req,
          res,
          errors.gatewayRateLimited,
          'rate limit exceeded',
          x.requestId,
          rateLimitHeaders(decision, rule),
        );
      },
      () => {
        // The limiter falls back to local buckets on store errors; reaching here is a bug. Fail closed.
        sendProblem(req, res, errors.internal, 'internal error', x.requestId);
      },
    );
  };
}

type RoutedOk = Routed & { readonly ok: true };

const uncork = (res: ServerResponse) => res.uncork();

/**
 * One upstream request, as an undici dispatch handler: the response head and body are written to the client as
 * they arrive, with backpressure (the upstream read pauses while the client socket is full).
 */
export class UpstreamRequest implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private readonly release: () => void;
  private clientGone = false;
  private resumeOnDrain: (() => void) | undefined;
  /** A look at the client's queue is due at the end of this tick (see onResponseData). */
  private checkingQueue = false;
  /** The upstream body is paused until the client's socket drains. */
  private paused = false;
  /** The response ended or failed: nothing more to pace. */
  private ended = false;

  constructor(
    private readonly x: Exchange,
    private readonly member: Upstream,
    private readonly headersFor: (headers: IncomingHttpHeaders) => OutgoingHttpHeaders,
    /** Called when the request failed before a response started: retry or answer with an error. */
    private readonly onFailure: (err: Error) => void,
  ) {
    this.release = member.acquire();
  }

  /** The client closed before the response ended: stop the upstream request too. */
  abortForClient(): void {
    this.clientGone = true;
    this.controller?.abort(new Error('client closed the connection'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return; // 1xx informational: the client gets the final response only
    this.member.report(status < 500);
    const { res } = this.x;
    // Head, body and end of a small response usually arrive in one tick: cork so they leave in one write.
    res.cork();
    process.nextTick(uncork, res);
    res.writeHead(status, this.headersFor(headers));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // undici hands over an empty chunk each time it resumes a paused body: writing it would cost a syscall.
    if (chunk.length === 0) return;
    if (this.x.res.write(chunk) || this.checkingQueue) return;
    // write() answers false for every chunk over the high-water mark (16 KiB on Node 20), even one the kernel takes
    // whole when Node uncorks the socket at the end of this tick. Look again after that, and hold the upstream back
    // only while bytes are still queued: pausing and resuming undici's parser for each chunk costs more than the
    // chunk. Until then undici can only hand over what its socket has already read.
    this.checkingQueue = true;
    process.nextTick(() => this.pauseIfQueued(controller));
  }

  /** Pauses the upstream body until the client's socket drains, if bytes are still waiting for it. */
  private pauseIfQueued(controller: Dispatcher.DispatchController): void {
    this.checkingQueue = false;
    const { res } = this.x;
    if (this.ended || this.paused || res.writableLength === 0) return;
    this.paused = true;
    controller.pause();
    // write() answered false, so the socket owes a 'drain' once its queue is empty.
    this.resumeOnDrain ??= () => {
      this.paused = false;
      controller.resume();
    };
    res.once('drain', this.resumeOnDrain);
  }

  onResponseEnd(): void {
    this.ended = true;
    this.release();
    this.x.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.ended = true;
    this.release();
    const { res } = this.x;
    if (this.clientGone) return;
    if (res.headersSent) {
      // The response was streaming: all we can do is cut it, so the client sees it incomplete.
      res.destroy();
      return;
    }
    this.member.report(false);
    this.onFailure(err);
  }
}
