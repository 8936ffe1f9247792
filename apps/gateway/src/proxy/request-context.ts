import { errors } from '@rustronaut/errors';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { normalizeHost } from '../routing/normalize-host.js';
import { normalizePath } from '../routing/normalize-path.js';
import type { CompiledRoute, Snapshot } from '../snapshot.js';
import { clientAddress, peerAddress } from './forwarding.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** A client-sent X-Request-Id when it is safe to keep, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** What routing decided about a request, shared by plain requests and upgrades. */
export type Routed =
  | {
      readonly ok: true;
      readonly route: CompiledRoute;
      readonly host: string;
      /** Normalized path, as routes and policies match it. */
      readonly path: string;
      /** Normalized path plus query, exactly what the upstream receives (after the upstream's base path). */
      readonly target: string;
      readonly peer: string;
      readonly client: string;
      readonly trustedPeer: boolean;
    }
  | {
      readonly ok: false;
      readonly def: (typeof errors)[keyof typeof errors];
      readonly detail: string;
      readonly host: string | undefined;
      readonly client: string;
    };

/**
 * Validates Host and path and finds the route. Routing and the upstream both see the normalized path
 * (dot-segments removed, unreserved escapes decoded); `%2F`/`%5C` are refused unless the route allows them.
 */
export function routeRequest(req: IncomingMessage, snapshot: Snapshot): Routed {
  const peer = peerAddress(req.socket.remoteAddress);
  const trustedPeer = snapshot.trusted.trusts(peer);
  const client = trustedPeer ? clientAddress(peer, req.headers['x-forwarded-for'], snapshot.trusted) : peer;
  const host = normalizeHost(req.headers.host);
  if (host === undefined) {
    return { ok: false, def: errors.gatewayBadHost, detail: 'missing or invalid Host header', host, client };
  }
  const normalized = normalizePath(req.url ?? '');
  if ('error' in normalized) {
    return { ok: false, def: errors.gatewayBadPath, detail: normalized.reason, host, client };
  }
  const route = snapshot.table.lookup(host, normalized.path);
  if (route === undefined) {
    return { ok: false, def: errors.gatewayNoRoute, detail: `no route for host "${host}"`, host, client };
  }
  if (normalized.hasEncodedSlash && !route.config.allowEncodedSlash) {
    return { ok: false, def: errors.gatewayBadPath, detail: 'encoded slash (%2F or %5C) in the path', host, client };
  }
  return {
    ok: true,
    route,
    host,
    path: normalized.path,
    target: normalized.path + normalized.query,
    peer,
    client,
    trustedPeer,
  };
}
