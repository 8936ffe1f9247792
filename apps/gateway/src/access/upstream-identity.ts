import type { AssertionSigner } from './assertion-signer.js';
import type { Identity } from './identity.js';

const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * The identity headers an upstream receives for an authenticated request, as a flat [name, value, ...] list:
 * always `x-rustronaut-assertion` (a signed JWT), and with `plain` also `x-rustronaut-user`, `-email` and
 * `-roles` (comma-separated). Plain headers carry printable ASCII only: a value with anything else is left out
 * (the assertion has it), so no claim can inject a header line or be mangled by a Latin-1 encoder.
 */
export function identityHeaders(
  signer: AssertionSigner,
  identity: Identity,
  audience: string,
  plain: boolean,
): string[] {
  const out = ['x-rustronaut-assertion', signer.assertionFor(identity, audience)];
  if (!plain) return out;
  if (PRINTABLE.test(identity.sub)) out.push('x-rustronaut-user', identity.sub);
  if (identity.email !== undefined && PRINTABLE.test(identity.email)) out.push('x-rustronaut-email', identity.email);
  const roles = identity.roles?.filter((r) => PRINTABLE.test(r) && !r.includes(','));
  if (roles !== undefined && roles.length > 0) out.push('x-rustronaut-roles', roles.join(','));
  return out;
}

/**
 * The origin (RFC 6454) a client addressed, `scheme://host[:port]`, the audience of its assertions: the scheme
 * of the listener (or the `X-Forwarded-Proto` of a trusted proxy), the normalized host, and the port of the
 * Host header unless it is the scheme's default.
 */
export function requestOrigin(proto: string, host: string, hostHeader: string | undefined): string {
  let port = '';
  if (hostHeader !== undefined) {
    const close = hostHeader.lastIndexOf(']');
    const colon = hostHeader.lastIndexOf(':');
    if (colon > close) port = hostHeader.slice(colon + 1);
  }
  if (port === '' || (proto === 'https' && port === '443') || (proto === 'http' && port === '80')) {
    return `${proto}://${host}`;
  }
  return `${proto}://${host}:${port}`;
}

/**
 * The scheme the client used: the listener's, or the first `X-Forwarded-Proto` entry when the peer is a trusted
 * proxy (a TLS-terminating load balancer in front of the HTTP listener), so the audience is the origin the
 * client saw.
 */
export function clientScheme(
  forwardedProto: string | string[] | undefined,
  trustedPeer: boolean,
  proto: 'http' | 'https',
): string {
  if (!trustedPeer || typeof forwardedProto !== 'string') return proto;
  const first = forwardedProto.split(',', 1)[0]?.trim().toLowerCase();
  return first === 'https' || first === 'http' ? first : proto;
}
