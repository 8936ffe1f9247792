import type { AccessRedeemResponse, ManagedAccessConfig } from '@rustronaut/contracts';
import { errors } from '@rustronaut/errors';
import type { IncomingMessage } from 'node:http';
import type { DeviceContext } from '@rustronaut/policy';
import { bearerChallenge } from './bearer-token.js';
import { certificateRefused } from './certificate-refusal.js';
import { checkClientCertificate } from './client-certificate.js';
import type { OrgAccess } from './org-access.js';
import type { AccessDecision, AccessRequest, AccessVerdict, RouteAccess } from './access-decision.js';

/** Where a resource's gateway takes the one-time code after sign-in. */
export const CALLBACK_PATH = '/.rustronaut/callback';

/** Trades a one-time code for a session over the control channel; rejects when the admin cannot be asked. */
export type RedeemCode = (code: string, origin: string) => Promise<RedeemOutcome>;
/** What redeeming a code gave. */
export type RedeemOutcome = { readonly ok: true; readonly session: AccessRedeemResponse } | { readonly ok: false };

const CODE = /^rac_[A-Za-z0-9_-]{43}$/;
/** Paths we redirect back to: one leading slash, printable ASCII, no backslash (browsers read `/\` as `//`). */
const SAFE_PATH = /^\/(?![/\\])[\x21-\x7e]*$/;
const MAX_INTENT_PATH = 2048;

const verdict = (
  allowed: boolean,
  reason: string,
  ruleId?: string,
  userId?: string,
  authMethod?: string,
): AccessVerdict => ({ allowed, reason, ruleId, userId, authMethod });

/** A browser navigating: it can follow a redirect to the login page and back (RFC 9110 safe methods only). */
const isBrowserNavigation = (req: IncomingMessage): boolean =>
  (req.method === 'GET' || req.method === 'HEAD') &&
  req.headers.authorization === undefined &&
  (req.headers.accept ?? '').includes('text/html');

/** Deletes the session cookie (a bad or ended one), with the attributes it was set with. */
const clearCookie = (org: OrgAccess, https: boolean): string =>
  `${org.cookieName(https)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`;

/**
 * The access of a route whose resource the admin manages: authenticate (API key, session token as bearer, or
 * the host-scoped session cookie), then let the resource's policy decide. Outcomes:
 * - allowed (by a rule, `public`, or a `bypass` path): forwarded, with the identity when there is one;
 * - no credentials, or bad ones: a browser navigation is sent to the login page with an encrypted intent (never
 *   a raw URL), anything else gets 401 with `WWW-Authenticate`;
 * - authenticated but not allowed: 403 naming the reason and rule — never a redirect, so never a loop.
 */
export function compileManagedAccess(
  config: ManagedAccessConfig,
  resourceId: string,
  org: OrgAccess,
  identityHeaders: boolean,
  redeem: RedeemCode,
): RouteAccess {
  const policy = org.policyOf(config);

  const toLogin = (request: AccessRequest, reason: string, badCookie: boolean): AccessDecision => {
    const path = request.target.length <= MAX_INTENT_PATH ? request.target : '/';
    const location = `${org.loginUrl}?intent=${org.intent(resourceId, request.origin, path)}`;
    return {
      ok: false,
      redirect: location,
      headers: { 'cache-control': 'no-store', ...(badCookie ? { 'set-cookie': clearCookie(org, request.https) } : {}) },
      verdict: verdict(false, reason),
    };
  };

  const clientCa = config.clientCertificate === undefined ? undefined : org.deviceCas;

  return {
    isPublic: false,
    identityHeaders,
    clientCa,
    prefetch: () => undefined,
    check(req, request) {
      let device: DeviceContext | undefined;
      if (clientCa !== undefined) {
        const outcome = checkClientCertificate(req.socket, clientCa);
        if (outcome.ok) device = outcome.device;
        // A certificate that was sent must verify even when it is optional; only its absence may pass.
        else if (config.clientCertificate === 'required' || outcome.reason === 'untrusted') {
          return certificateRefused(outcome.reason, verdict(false, `client_certificate_${outcome.reason}`));
        }
      }
      const auth = org.authenticate(req, request.origin, request.https);
      const time = new Date();
      if (auth.kind === 'ok') {
        const d = policy.evaluate({
          user: auth.user,
          authMethod: auth.authMethod,
          secondFactor: auth.secondFactor,
          sourceIp: request.client,
          method: req.method ?? '',
          path: request.path,
          time,
          device,
        });
        const v = verdict(d.allowed, d.reason, d.ruleId, auth.user.id, auth.authMethod);
        if (d.allowed) return { ok: true, identity: auth.identity, verdict: v };
        return {
          ok: false,
          def: errors.gatewayAccessDenied,
          detail: `access denied (${d.reason}${d.ruleId === undefined ? '' : `, rule "${d.ruleId}"`})`,
          headers: undefined,
          verdict: v,
        };
      }
      // Anonymous, or credentials that did not verify: `public` and `bypass` paths still let it through.
      const d = policy.evaluate({
        sourceIp: request.client,
        method: req.method ?? '',
        path: request.path,
        time,
        device,
      });
      if (d.allowed) return { ok: true, identity: undefined, verdict: verdict(true, d.reason, d.ruleId) };
      if (d.reason === 'denied_by_rule') {
        return {
          ok: false,
          def: errors.gatewayAccessDenied,
          detail: `access denied (${d.reason}, rule "${d.ruleId ?? ''}")`,
          headers: undefined,
          verdict: verdict(false, d.reason, d.ruleId),
        };
      }
      const reason = auth.kind === 'none' ? 'unauthenticated' : 'invalid_credentials';
      if (isBrowserNavigation(req)) return toLogin(request, reason, auth.kind === 'invalid');
      const detail = auth.kind === 'none' ? 'sign in, or send Authorization: Bearer <token or API key>' : auth.detail;
      return {
        ok: false,
        def: errors.gatewayUnauthenticated,
        detail,
        headers: { 'www-authenticate': bearerChallenge(auth.kind === 'none' ? undefined : detail) },
        verdict: verdict(false, reason),
      };
    },
    async callback(req, request) {
      const refused = (detail: string): AccessDecision => ({
        ok: false,
        def: errors.gatewayCallbackInvalid,
        detail,
        headers: undefined,
        verdict: verdict(false, 'callback_invalid'),
      });
      const query = new URLSearchParams(request.target.slice(CALLBACK_PATH.length + 1));
      const code = query.get('code');
      if (req.method !== 'GET' || code === null || !CODE.test(code) || query.getAll('code').length !== 1) {
        return refused('the sign-in callback needs one code; open the resource again');
      }
      let outcome: RedeemOutcome;
      try {
        outcome = await redeem(code, request.origin);
      } catch {
        return {
          ok: false,
          def: errors.gatewayAuthUnavailable,
          detail: 'the admin cannot be reached to finish signing in; try again shortly',
          headers: { 'retry-after': '5' },
          verdict: verdict(false, 'admin_unreachable'),
        };
      }
      if (!outcome.ok) return refused('the sign-in code is invalid, used or expired; open the resource again');
      const { session } = outcome;
      const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
      const cookie = `${org.cookieName(request.https)}=${session.token}; Path=/; Max-Age=${String(maxAge)}; HttpOnly; SameSite=Lax${request.https ? '; Secure' : ''}`;
      // The origin is this request's own, and the path is checked: the browser can only land on this resource's host.
      const back = SAFE_PATH.test(session.returnPath) ? session.returnPath : '/';
      return {
        ok: false,
        redirect: `${request.origin}${back}`,
        headers: { 'set-cookie': cookie, 'cache-control': 'no-store' },
        verdict: verdict(true, 'signed_in'),
      };
    },
  };
}
