import type { IncomingMessage } from 'node:http';
import { isGatewayOwnedHeader } from '../access/owned-headers.js';
import { FORWARDING_HEADERS, pushForwardingHeaders } from './forwarding.js';
import { connectionListed, isHopByHop } from './hop-by-hop.js';

/** What the gateway knows about a request when it builds the upstream's headers. */
export interface UpstreamHeaderInput {
  readonly peer: string;
  readonly trustedPeer: boolean;
  readonly proto: 'http' | 'https';
  /** The normalized client Host, for the forwarding headers. */
  readonly host: string;
  readonly requestId: string;
  /** Send the client's Host upstream (otherwise the caller or undici sets the upstream's own). */
  readonly preserveHost: boolean;
  /** Identity headers of an authenticated request ([name, value, ...]), added after the client's are removed. */
  readonly identity?: readonly string[] | undefined;
}

/**
 * The request headers an upstream receives, as a flat [name, value, ...] list: the client's end-to-end
 * headers without hop-by-hop ones (RFC 9110 section 7.6.1), those named in `Connection`, and the gateway-owned
 * Host, X-Request-Id, forwarding and `X-Rustronaut-*` identity headers (in any spelling, `_` for `-`), which are
 * set here instead. On every route, public ones too: an upstream never sees a client's claim of identity.
 * Shared by plain requests and upgrades.
 */
export function upstreamRequestHeaders(req: IncomingMessage, input: UpstreamHeaderInput): string[] {
  const raw = req.rawHeaders;
  const listed = connectionListed(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (isHopByHop(name) || name === 'host' || name === 'x-request-id' || FORWARDING_HEADERS.has(name)) continue;
    if (isGatewayOwnedHeader(name)) continue;
    if (listed?.has(name)) continue;
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  if (input.preserveHost) out.push('host', req.headers.host ?? '');
  out.push('x-request-id', input.requestId);
  pushForwardingHeaders(out, {
    peer: input.peer,
    trustedPeer: input.trustedPeer,
    proto: input.proto,
    host: input.host,
    xForwardedFor: req.headers['x-forwarded-for'],
    xForwardedProto: req.headers['x-forwarded-proto'],
    xForwardedHost: req.headers['x-forwarded-host'],
    forwarded: req.headers.forwarded,
  });
  if (input.identity !== undefined) for (const item of input.identity) out.push(item);
  return out;
}
