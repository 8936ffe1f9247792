import { errors } from '@rustronaut/errors';
import type { Logger } from '@rustronaut/observability';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { methodLabel, type GatewayMetrics } from '../gateway-metrics.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import { rateLimitHeaders } from '../rate-limit/rate-limiter.js';
import type { CompiledRoute, Snapshot } from '../snapshot.js';
import type { Upstream } from '../upstreams/types.js';
import { corsPreflightHeaders, corsResponseHeaders } from './cors.js';
import { FORWARDING_HEADERS, pushForwardingHeaders } from './forwarding.js';
import { connectionListed, isHopByHop } from './hop-by-hop.js';
import { sendProblem } from './problem.js';
import { requestIdOf, routeRequest } from './request-context.js';
import { IDEMPOTENT_METHODS, isConnectFailure, upstreamFailure } from './upstream-errors.js';

/** What the request handler needs from the gateway. */
export interface HttpProxyDeps {
  /** The snapshot in force; read once per request, so a reload never changes a request midway. */
  snapshot(): Snapshot;
  /** Scheme clients used to reach this listener. */
  readonly proto: 'http' | 'https';
  readonly rateLimiter: RateLimiter;
  readonly metrics: GatewayMetrics;
  /** Access log; undefined turns it off. */
  readonly accessLog: Logger | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** One request's state, kept in a single object to keep the hot path allocation-light. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly started: number;
  route: CompiledRoute | undefined;
  upstream: Upstream | undefined;
  client: string;
  host: string | undefined;
}

/**
 * Creates the gateway's HTTP request handler: route, rate-limit, pick an upstream, stream the request and
 * the response through undici without buffering, and record metrics and one access-log line.
 */
export function createHttpProxy(deps: HttpProxyDeps): Handler {
  const { metrics } = deps;

  const finish = (x: Exchange) => {
    const route = x.route?.name ?? 'none';
    const seconds = (performance.now() - x.started) / 1000;
    const code = x.res.headersSent ? x.res.statusCode : 499;
    metrics.requests.inc({ route, method: methodLabel(x.req.method), code: String(code) });
    metrics.duration.observe({ route }, seconds);
    deps.accessLog?.info(
      {
        requestId: x.requestId,
        route,
        method: x.req.method,
        host: x.host,
        // The path only: query strings can carry secrets (tokens in links).
        path: (x.req.url ?? '').split('?', 1)[0],
        status: code,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        upstream: x.upstream?.id,
        client: x.client,
      },
      'request',
    );
  };

  const forward = (
    x: Exchange,
    route: CompiledRoute,
    target: string,
    headers: string[],
    member: Upstream,
    retried: boolean,
  ) => {
    const { req, res } = x;
    const method = req.method ?? 'GET';
    const hasBody =
      req.headers['content-length'] !== undefined
        ? req.headers['content-length'] !== '0'
        : req.headers['transfer-encoding'] !== undefined;
    const upstream = route.targets.get(member.id);
    if (upstream === undefined) throw new Error(`no target for ${member.id}`);
    x.upstream = member;
    const release = member.acquire();
    const abort = new AbortController();
    const onClientGone = () => {
      if (!res.writableFinished) abort.abort();
    };
    res.once('close', onClientGone);
    route.dispatcher.stream(
      {
        origin: upstream.origin,
        path: upstream.basePath + target,
        method,
        headers,
        body: hasBody ? req : null,
        headersTimeout: route.config.timeouts.responseHeaderMs,
        bodyTimeout: route.config.timeouts.idleMs,
        signal: abort.signal,
      },
      ({ statusCode, headers: upstreamHeaders }) => {
        member.report(statusCode < 500);
        res.writeHead(statusCode, responseHeaders(x, route, upstreamHeaders));
        return res;
      },
      (err) => {
        release();
        res.off('close', onClientGone);
        if (err === null) return;
        if (res.headersSent) {
          // The response was streaming: all we can do is cut it, so the client sees it incomplete.
          res.destroy();
          return;
        }
        if (abort.signal.aborted) return;
        member.report(false);
        if (!retried && !hasBody && IDEMPOTENT_METHODS.has(method) && isConnectFailure(err)) {
          const other = route.upstreams.pick(member);
          if (other !== undefined) {
            forward(x, route, target, headers, other, true);
            return;
          }
        }
        const failure = upstreamFailure(err);
        sendProblem(req, res, failure.def, failure.detail, x.requestId);
      },
    );
  };

  const responseHeaders = (
    x: Exchange,
    route: CompiledRoute,
    upstream: Record<string, string | string[] | undefined>,
  ): OutgoingHttpHeaders => {
    const out: OutgoingHttpHeaders = {};
    const listed = connectionListed(upstream['connection']);
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

  const upstreamHeaders = (x: Exchange, route: CompiledRoute, peer: string, trustedPeer: boolean): string[] => {
    const { req } = x;
    const raw = req.rawHeaders;
    const listed = connectionListed(req.headers.connection);
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      if (isHopByHop(name) || name === 'host' || name === 'x-request-id' || FORWARDING_HEADERS.has(name)) continue;
      if (listed?.has(name)) continue;
      out.push(raw[i] as string, raw[i + 1] as string);
    }
    if (route.config.preserveHost) out.push('host', req.headers.host ?? '');
    out.push('x-request-id', x.requestId);
    pushForwardingHeaders(out, {
      peer,
      trustedPeer,
      proto: deps.proto,
      host: x.host ?? '',
      xForwardedFor: req.headers['x-forwarded-for'],
      xForwardedProto: req.headers['x-forwarded-proto'],
      xForwardedHost: req.headers['x-forwarded-host'],
      forwarded: req.headers.forwarded,
    });
    return out;
  };

  const proceed = (x: Exchange, route: CompiledRoute, target: string, peer: string, trustedPeer: boolean) => {
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
    forward(x, route, target, upstreamHeaders(x, route, peer, trustedPeer), member, false);
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
    };
    res.once('close', () => finish(x));
    const routed = routeRequest(req, deps.snapshot());
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
      proceed(x, route, routed.target, routed.peer, routed.trustedPeer);
      return;
    }
    const rule = route.rateLimit;
    deps.rateLimiter.check(route.name, routed.client, rule).then(
      (decision) => {
        if (decision.allowed) {
          proceed(x, route, routed.target, routed.peer, routed.trustedPeer);
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
      (err: unknown) => {
        // The limiter falls back to local buckets on store errors; reaching here is a bug. Fail closed.
        deps.accessLog?.error({ err, requestId: x.requestId }, 'rate limiter failed');
        sendProblem(req, res, errors.internal, 'internal error', x.requestId);
      },
    );
  };
}
