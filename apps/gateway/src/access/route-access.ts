import type { RouteAccessConfig } from '@rustronaut/contracts';
import { errors } from '@rustronaut/errors';
import { bearerChallenge, bearerTokenOf } from './bearer-token.js';
import { certificateRefused } from './certificate-refusal.js';
import { checkClientCertificate, loadClientCa } from './client-certificate.js';
import { createIdentity, type Identity } from './identity.js';
import { createJwtVerifier, type JwtOutcome, type JwtVerifier } from './jwt-verifier.js';
import { createFileKeySource, type KeySource } from './key-source.js';
import type { AccessDecision, RouteAccess } from './access-decision.js';
import { compileManagedAccess, type RedeemCode } from './managed-access.js';
import type { OrgAccess } from './org-access.js';

/** What compiling access rules needs from the gateway. */
export interface AccessDeps {
  /** The remote JWKS of a URL; the gateway keeps one per URL across reloads, so fetched keys survive them. */
  keySourceFor(url: string): KeySource;
  /** The org's access material and the code exchange, when an admin manages the gateway. */
  readonly managed?: { readonly org: OrgAccess; readonly redeem: RedeemCode } | undefined;
}

/** The access of a public route. */
export const PUBLIC_ACCESS: RouteAccess = {
  isPublic: true,
  identityHeaders: false,
  clientCa: undefined,
  check: () => ({ ok: true, identity: undefined }),
  prefetch: () => undefined,
};

const missingToken: AccessDecision = {
  ok: false,
  def: errors.gatewayUnauthenticated,
  detail: 'this route needs Authorization: Bearer <token>',
  headers: { 'www-authenticate': bearerChallenge() },
};
const invalidToken = (detail: string): AccessDecision => ({
  ok: false,
  def: errors.gatewayUnauthenticated,
  detail,
  headers: { 'www-authenticate': bearerChallenge(detail) },
});

// The combined identity of a token and a certificate, kept so a connection's requests do not rebuild it.
const combined = new WeakMap<Identity, { thumbprint: string | undefined; identity: Identity }>();
const withCertificate = (user: Identity, certificate: Identity): Identity => {
  const known = combined.get(user);
  if (known !== undefined && known.thumbprint === certificate.certificateThumbprint) return known.identity;
  const identity = createIdentity({ ...user, certificateThumbprint: certificate.certificateThumbprint });
  combined.set(user, { thumbprint: certificate.certificateThumbprint, identity });
  return identity;
};

const fromJwt = (outcome: JwtOutcome, certificate: Identity | undefined): AccessDecision => {
  if (!outcome.ok) {
    return outcome.unavailable
      ? { ok: false, def: errors.gatewayAuthUnavailable, detail: outcome.detail, headers: { 'retry-after': '5' } }
      : invalidToken(outcome.detail);
  }
  // The verifier's cached outcome has the decision's shape: no allocation per request.
  if (certificate === undefined) return outcome;
  // Both checked: the token names the user, the certificate binds the request to the device (RFC 8705 `cnf`).
  return { ok: true, identity: withCertificate(outcome.identity, certificate) };
};

/**
 * Compiles a route's `access`. Files (`publicKeyFile`, `caFile`) are read here, once per load or reload, never
 * per request; a file that cannot be used throws a TypeError naming `field`.
 */
export function compileRouteAccess(
  config: RouteAccessConfig,
  field: string,
  deps: AccessDeps,
  routeName: string,
): RouteAccess {
  if (config === 'public') return PUBLIC_ACCESS;
  if (config.managed !== undefined) {
    if (deps.managed === undefined) {
      throw new TypeError(`${field}.managed: only a gateway managed by an admin can enforce the admin's policies`);
    }
    return compileManagedAccess(
      config.managed,
      routeName,
      deps.managed.org,
      config.identityHeaders,
      deps.managed.redeem,
    );
  }
  const clientCa = config.mtls && loadClientCa(config.mtls.caFile, `${field}.mtls.caFile`);
  const certificateRequired = config.mtls?.required ?? false;
  let source: KeySource | undefined;
  let verifier: JwtVerifier | undefined;
  if (config.jwt !== undefined) {
    const { jwt } = config;
    source =
      jwt.jwksUrl !== undefined
        ? deps.keySourceFor(jwt.jwksUrl)
        : createFileKeySource(jwt.publicKeyFile as string, `${field}.jwt.publicKeyFile`);
    verifier = createJwtVerifier({
      source,
      issuer: jwt.issuer,
      audience: jwt.audience,
      algorithms: jwt.algorithms,
    });
  }
  return {
    isPublic: false,
    identityHeaders: config.identityHeaders,
    clientCa,
    prefetch: () => source?.touch(),
    check(req) {
      let certificate: Identity | undefined;
      if (clientCa !== undefined) {
        const outcome = checkClientCertificate(req.socket, clientCa);
        if (outcome.ok) certificate = outcome.identity;
        // A certificate that was sent must be good even when it is optional; only its absence may pass.
        else if (certificateRequired || outcome.reason === 'untrusted') return certificateRefused(outcome.reason);
      }
      if (verifier === undefined) {
        // The schema makes a certificate required when there is no `jwt`; refuse anyway rather than let through.
        return certificate === undefined ? certificateRefused('absent') : { ok: true, identity: certificate };
      }
      const bearer = bearerTokenOf(req.headers.authorization);
      if (bearer.kind === 'missing') return missingToken;
      if (bearer.kind === 'malformed') return invalidToken(bearer.reason);
      const outcome = verifier.verify(bearer.token);
      return outcome instanceof Promise ? outcome.then((o) => fromJwt(o, certificate)) : fromJwt(outcome, certificate);
    },
  };
}
