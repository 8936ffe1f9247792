import { errors, type ErrorDefinition } from '@rustronaut/errors';
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { methodLabel, type GatewayMetrics } from '../gateway-metrics.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import type { Snapshot } from '../snapshot.js';
import { FORWARDING_HEADERS, pushForwardingHeaders } from './forwarding.js';
import { isHopByHop } from './hop-by-hop.js';
import { problemJson } from './problem.js';
import { requestIdOf, routeRequest } from './request-context.js';
import { upstreamFailure } from './upstream-errors.js';

/** What the upgrade handler needs from the gateway. */
export interface UpgradeProxyDeps {
  snapshot(): Snapshot;
  readonly proto: 'http' | 'https';
  readonly rateLimiter: RateLimiter;
  readonly metrics: GatewayMetrics;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function refuse(
  socket: Duplex,
  def: Pick<ErrorDefinition, 'code' | 'status'>,
  detail: string,
  requestId: string,
): void {
  const body = problemJson(def, detail, requestId);
  socket.end(
    `HTTP/1.1 ${String(def.status)} ${REASONS[def.status] ?? 'Error'}\r\n` +
      `content-type: application/problem+json\r\ncontent-length: ${String(Buffer.byteLength(body))}\r\n` +
      `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Proxies WebSocket upgrades (RFC 6455 section 4): the same routing, rate limit and upstream choice as plain
 * requests, then the handshake is forwarded and both sockets are piped; the upstream's 101 (or refusal)
 * reaches the client unchanged.
 */
export function createUpgradeProxy(deps: UpgradeProxyDeps) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const requestId = requestIdOf(req);
    socket.on('error', () => socket.destroy());
    const count = (code: number, route = 'none') =>
      deps.metrics.requests.inc({ route, method: methodLabel(req.method), code: String(code) });
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      count(400);
      refuse(socket, errors.gatewayBadRequest, 'only WebSocket upgrades are supported', requestId);
      return;
    }
    const routed = routeRequest(req, deps.snapshot());
    if (!routed.ok) {
      count(routed.def.status);
      refuse(socket, routed.def, routed.detail, requestId);
      return;
    }
    const { route } = routed;
    const open = () => {
      const member = route.upstreams.pick();
      if (member === undefined) {
        count(503, route.name);
        refuse(socket, errors.gatewayNoHealthyUpstream, `no healthy upstream for route "${route.name}"`, requestId);
        return;
      }
      const target = route.targets.get(member.id);
      if (target === undefined) throw new Error(`no target for ${member.id}`);
      const release = member.acquire();
      const url = new URL(target.origin);
      const upstream: Socket =
        url.protocol === 'https:'
          ? tlsConnect({ host: member.host, port: member.port, servername: member.host, ALPNProtocols: ['http/1.1'] })
          : netConnect({ host: member.host, port: member.port });
      upstream.setTimeout(route.config.timeouts.connectMs);
      let connected = false;
      const fail = (err: Error) => {
        if (connected) {
          socket.destroy();
          return;
        }
        member.report(false);
        const failure = upstreamFailure(err);
        count(failure.def.status, route.name);
        refuse(socket, failure.def, failure.detail, requestId);
      };
      upstream.once('timeout', () =>
        upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })),
      );
      upstream.once('error', fail);
      upstream.once('close', release);
      upstream.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
        member.report(true);
        count(101, route.name);
        // From here on, idleness is what ends a quiet connection.
        upstream.setTimeout(route.config.timeouts.idleMs, () => upstream.destroy());
        upstream.write(
          handshake(
            req,
            routed.target,
            target.basePath,
            requestId,
            routed,
            deps.proto,
            route.config.preserveHost,
            url.host,
          ),
        );
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
        socket.once('close', () => upstream.destroy());
        upstream.once('close', () => socket.destroy());
      });
    };
    if (route.rateLimit === undefined) {
      open();
      return;
    }
    deps.rateLimiter.check(route.name, routed.client, route.rateLimit).then(
      (decision) => {
        if (decision.allowed) {
          open();
          return;
        }
        deps.metrics.rateLimited.inc({ route: route.name });
        count(429, route.name);
        refuse(socket, errors.gatewayRateLimited, 'rate limit exceeded', requestId);
      },
      () => {
        count(500, route.name);
        socket.destroy();
      },
    );
  };
}

function handshake(
  req: IncomingMessage,
  path: string,
  basePath: string,
  requestId: string,
  routed: { peer: string; trustedPeer: boolean; host: string },
  proto: 'http' | 'https',
  preserveHost: boolean,
  upstreamHost: string,
): string {
  const lines = [`${req.method ?? 'GET'} ${basePath}${path} HTTP/1.1`];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (isHopByHop(name) || name === 'host' || name === 'x-request-id' || FORWARDING_HEADERS.has(name)) continue;
    lines.push(`${raw[i] as string}: ${raw[i + 1] as string}`);
  }
  const extra: string[] = [];
  pushForwardingHeaders(extra, {
    peer: routed.peer,
    trustedPeer: routed.trustedPeer,
    proto,
    host: routed.host,
    xForwardedFor: req.headers['x-forwarded-for'],
    xForwardedProto: req.headers['x-forwarded-proto'],
    xForwardedHost: req.headers['x-forwarded-host'],
    forwarded: req.headers.forwarded,
  });
  for (let i = 0; i < extra.length; i += 2) lines.push(`${extra[i] as string}: ${extra[i + 1] as string}`);
  lines.push(`host: ${preserveHost ? (req.headers.host ?? '') : upstreamHost}`);
  lines.push(`x-request-id: ${requestId}`, 'connection: Upgrade', 'upgrade: websocket', '', '');
  return lines.join('\r\n');
}
