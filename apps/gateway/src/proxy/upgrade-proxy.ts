import { errors, type ErrorDefinition } from '@rustronaut/errors';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { AccessDecision } from '../access/access-decision.js';
import { clientScheme, identityHeaders, requestOrigin } from '../access/upstream-identity.js';
import { methodLabel, type GatewayMetrics } from '../gateway-metrics.js';
import type { RateLimiter } from '../rate-limit/rate-limiter.js';
import type { Snapshot } from '../snapshot.js';
import { problemJson } from './problem.js';
import { requestIdOf, routeRequest } from './request-context.js';
import { upstreamFailure } from './upstream-errors.js';
import { upstreamRequestHeaders, type UpstreamHeaderInput } from './upstream-headers.js';

/** What the upgrade handler needs from the gateway. */
export interface UpgradeProxyDeps {
  snapshot(): Snapshot;
  readonly proto: 'http' | 'https';
  readonly rateLimiter: RateLimiter;
  readonly metrics: GatewayMetrics;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
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
  headers?: OutgoingHttpHeaders,
): void {
  const body = problemJson(def, detail, requestId);
  let extra = '';
  // Only the gateway's own header values reach here (WWW-Authenticate, Retry-After), never client input.
  for (const name in headers) extra += `${name}: ${String(headers[name])}\r\n`;
  socket.end(
    `HTTP/1.1 ${String(def.status)} ${REASONS[def.status] ?? 'Error'}\r\n` +
      `content-type: application/problem+json\r\ncontent-length: ${String(Buffer.byteLength(body))}\r\n` +
      `${extra}x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
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
    const snapshot = deps.snapshot();
    const routed = routeRequest(req, snapshot);
    if (!routed.ok) {
      count(routed.def.status);
      refuse(socket, routed.def, routed.detail, requestId);
      return;
    }
    const { route } = routed;
    const open = (identity: readonly string[] | undefined) => {
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
            target.basePath + routed.target,
            {
              peer: routed.peer,
              trustedPeer: routed.trustedPeer,
              proto: deps.proto,
              host: routed.host,
              requestId,
              preserveHost: route.config.preserveHost,
              identity,
            },
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
    // The audience is the http(s) origin: browsers send WebSocket handshakes with an http(s) Origin (RFC 6455).
    const scheme = clientScheme(req.headers['x-forwarded-proto'], routed.trustedPeer, deps.proto);
    const audience = requestOrigin(scheme, routed.host, req.headers.host);
    const decided = (d: AccessDecision) => {
      if (socket.destroyed) return;
      if (!d.ok) {
        // A handshake cannot follow a redirect to sign in: it is refused as unauthenticated.
        const def = d.redirect === undefined ? d.def : errors.gatewayUnauthenticated;
        count(def.status, route.name);
        refuse(
          socket,
          def,
          d.redirect === undefined ? d.detail : 'sign in first',
          requestId,
          d.redirect === undefined ? d.headers : undefined,
        );
        return;
      }
      if (d.identity === undefined) {
        open(undefined);
        return;
      }
      open(identityHeaders(snapshot.signer, d.identity, audience, route.access.identityHeaders));
    };
    const admit = () => {
      if (route.access.isPublic) {
        open(undefined);
        return;
      }
      const decision = route.access.check(req, {
        origin: audience,
        https: audience.startsWith('https:'),
        client: routed.client,
        path: routed.path,
        target: routed.target,
      });
      if (!(decision instanceof Promise)) {
        decided(decision);
        return;
      }
      decision.then(decided, () => {
        count(500, route.name);
        socket.destroy();
      });
    };
    if (route.rateLimit === undefined) {
      admit();
      return;
    }
    deps.rateLimiter.check(route.name, routed.client, route.rateLimit).then(
      (decision) => {
        if (decision.allowed) {
          admit();
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

/** The upgrade request as the upstream receives it (RFC 6455 section 4.1 handshake headers kept). */
function handshake(
  req: IncomingMessage,
  requestTarget: string,
  headers: UpstreamHeaderInput,
  upstreamHost: string,
): string {
  const lines = [`${req.method ?? 'GET'} ${requestTarget} HTTP/1.1`];
  const list = upstreamRequestHeaders(req, headers);
  for (let i = 0; i < list.length; i += 2) lines.push(`${list[i] as string}: ${list[i + 1] as string}`);
  if (!headers.preserveHost) lines.push(`host: ${upstreamHost}`);
  lines.push('connection: Upgrade', 'upgrade: websocket', '', '');
  return lines.join('\r\n');
}
