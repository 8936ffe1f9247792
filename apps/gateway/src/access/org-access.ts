import { INTENT_VERSION, type ManagedAccessConfig, type SnapshotAccess } from '@rustronaut/contracts';
import {
  compilePolicy,
  type AuthMethod as PolicyAuthMethod,
  type CompiledPolicy,
  type Policy,
  type UserContext,
} from '@rustronaut/policy';
import {
  createCipheriv,
  createHash,
  createPrivateKey,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearerTokenOf } from './bearer-token.js';
import { clientCaOf, type ClientCaSet } from './client-certificate.js';
import { createIdentity, type Identity } from './identity.js';
import { createSessionTokenVerifier, ed25519Keys } from './session-token.js';

/** Who a request of a managed route comes from, once authenticated. */
export interface Authenticated {
  readonly kind: 'ok';
  readonly identity: Identity;
  readonly user: UserContext;
  readonly authMethod: PolicyAuthMethod;
  readonly secondFactor: boolean;
}

/** The outcome of looking at a request's credentials. */
export type Authentication =
  | Authenticated
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly detail: string; readonly bearer: boolean };

/** The org-wide access material of a snapshot, compiled once per snapshot. */
export interface OrgAccess {
  /** The console login page. */
  readonly loginUrl: string;
  /** Signs the assertions of every gateway of the org. */
  readonly assertionKey: KeyObject;
  /** The session cookie's name on a listener: `__Host-` prefixed on HTTPS (RFC 6265bis section 4.1.3.2). */
  cookieName(https: boolean): string;
  /** Authenticates by API key or session token (bearer), else by the session cookie. Never throws. */
  authenticate(req: IncomingMessage, origin: string, https: boolean): Authentication;
  /** The compiled policy of a route; a policy that does not compile (or is missing) admits nobody. */
  policyOf(config: ManagedAccessConfig): CompiledPolicy;
  /** An opaque, encrypted redirect intent for the login page. */
  intent(resourceId: string, origin: string, path: string): string;
  /** The CAs of the org's device certificates (possibly none), for routes that ask for one. */
  readonly deviceCas: ClientCaSet;
}

/** Redirect intents are good this long: time enough to sign in, with a second factor. */
const INTENT_SECONDS = 600;
const API_KEY = /^rsk_([A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;
/** `Authorization: Bearer rsk_...`: an API key rather than a JWT (scheme case-insensitive, RFC 9110 section 11.1). */
const API_KEY_HEADER = /^bearer +(rsk_\S*)$/i;
/** A value longer than this is not one of our session tokens: refused without parsing. */
const MAX_COOKIE_VALUE = 4096;
/** Admits nobody: what a route gets when its policy is missing or does not compile (fail closed). */
const NOBODY = compilePolicy({ rules: [{ id: 'policy-unusable', effect: 'deny', when: {} }] });

/** The value of cookie `name`; `null` when it appears more than once (a browser never sends one name twice). */
export function cookieValue(header: string | undefined, name: string): string | undefined | null {
  if (header === undefined || !header.includes(name)) return undefined;
  let found: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return null;
    found = pair.slice(eq + 1).trim();
  }
  return found;
}

/**
 * Compiles the access part of a snapshot: the admin's session-token keys, the org's members (current roles,
 * disabled ones left out), the revoked sessions, the API keys (SHA-256 only) and the policies. Nothing here
 * calls the admin: revocations, role changes and disabled users arrive with the next snapshot.
 * `onPolicyError` hears about a policy that does not compile (its routes then admit nobody).
 */
export function compileOrgAccess(
  access: SnapshotAccess,
  orgId: string,
  onPolicyError: (policyId: string, message: string) => void,
): OrgAccess {
  const verifier = createSessionTokenVerifier({ issuer: access.issuer, keys: ed25519Keys(access.keys) });
  const principals = new Map(access.principals.filter((p) => !p.disabled).map((p) => [p.id, p]));
  const revoked = new Set(access.revokedSessions);
  const apiKeys = new Map(
    access.apiKeys.map((k) => [
      k.prefix,
      {
        sha256: Buffer.from(k.sha256, 'hex'),
        userId: k.userId,
        expiresAt: k.expiresAt === null ? Infinity : Date.parse(k.expiresAt),
      },
    ]),
  );
  const intentKey = Buffer.from(access.intentKey, 'base64url');
  const identities = new Map<string, Identity>();
  const policies = new Map<string, CompiledPolicy>();

  const authenticated = (
    userId: string,
    method: 'session' | 'api_key',
    authMethod: PolicyAuthMethod,
    secondFactor: boolean,
  ): Authentication => {
    const principal = principals.get(userId);
    if (principal === undefined)
      return { kind: 'invalid', detail: 'the user is not an active member', bearer: method === 'api_key' };
    const key = `${method}\n${userId}`;
    let identity = identities.get(key);
    if (identity === undefined) {
      identity = createIdentity({
        sub: userId,
        email: principal.email,
        roles: principal.roles,
        method,
        certificateThumbprint: undefined,
      });
      identities.set(key, identity);
    }
    return {
      kind: 'ok',
      identity,
      user: { id: userId, email: principal.email, roles: principal.roles },
      authMethod,
      secondFactor,
    };
  };

  const bySessionToken = (token: string, origin: string, bearer: boolean): Authentication => {
    const outcome = verifier.verify(token, Date.now() / 1000);
    if (!outcome.ok) return { kind: 'invalid', detail: outcome.detail, bearer };
    const { claims } = outcome;
    if (claims.aud !== origin) return { kind: 'invalid', detail: 'the session is for another origin', bearer };
    if (revoked.has(claims.sid)) return { kind: 'invalid', detail: 'the session has ended', bearer };
    return authenticated(claims.sub, 'session', claims.method === 'sso' ? 'sso' : 'password', claims.mfa);
  };

  const byApiKey = (key: string): Authentication => {
    const prefix = API_KEY.exec(key)?.[1];
    const known = prefix === undefined ? undefined : apiKeys.get(prefix);
    const digest = createHash('sha256').update(key).digest();
    // Compared in constant time even when the prefix is unknown, so timing tells nothing about the key.
    const matches = timingSafeEqual(digest, known?.sha256 ?? Buffer.alloc(32));
    if (known === undefined || !matches || known.expiresAt <= Date.now()) {
      return { kind: 'invalid', detail: 'the API key is unknown, revoked or expired', bearer: true };
    }
    return authenticated(known.userId, 'api_key', 'api_key', false);
  };

  return {
    loginUrl: access.loginUrl,
    assertionKey: createPrivateKey(access.assertionKey),
    deviceCas: clientCaOf(access.deviceCas, 'snapshot access.deviceCas'),
    cookieName: (https) => (https ? '__Host-rs_session' : 'rs_session'),
    authenticate(req, origin, https) {
      const header = req.headers.authorization;
      const apiKey = header === undefined ? undefined : API_KEY_HEADER.exec(header)?.[1];
      if (apiKey !== undefined) return byApiKey(apiKey);
      const bearer = bearerTokenOf(header);
      if (bearer.kind === 'malformed') return { kind: 'invalid', detail: bearer.reason, bearer: true };
      if (bearer.kind === 'token') return bySessionToken(bearer.token, origin, true);
      const cookie = cookieValue(req.headers.cookie, https ? '__Host-rs_session' : 'rs_session');
      if (cookie === undefined) return { kind: 'none' };
      if (cookie === null) return { kind: 'invalid', detail: 'the session cookie is sent twice', bearer: false };
      if (cookie.length > MAX_COOKIE_VALUE)
        return { kind: 'invalid', detail: 'the session cookie is too long', bearer: false };
      return bySessionToken(cookie, origin, false);
    },
    policyOf(config) {
      const key = `${config.policy ?? ''}\n${String(config.public)}`;
      let compiled = policies.get(key);
      if (compiled === undefined) {
        // Without a policy: every authenticated member of the org (a rule without criteria matches them all).
        const rules =
          config.policy === null
            ? [{ id: 'org-members', effect: 'allow', when: {} }]
            : access.policies[config.policy]?.rules;
        if (rules === undefined) {
          onPolicyError(config.policy ?? '', 'the snapshot does not have this policy');
          compiled = NOBODY;
        } else {
          try {
            compiled = compilePolicy({ public: config.public, rules } as Policy);
          } catch (err) {
            onPolicyError(config.policy ?? '', (err as Error).message);
            compiled = NOBODY;
          }
        }
        policies.set(key, compiled);
      }
      return compiled;
    },
    intent(resourceId, origin, path) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', intentKey, iv);
      cipher.setAAD(Buffer.from(orgId));
      const plain = JSON.stringify({ resourceId, origin, path, exp: Math.floor(Date.now() / 1000) + INTENT_SECONDS });
      const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${INTENT_VERSION}.${orgId}.${sealed.toString('base64url')}`;
    },
  };
}
