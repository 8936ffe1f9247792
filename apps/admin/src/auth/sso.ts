import { memberships, newId, users, type DrizzleDatabase, type identityProviders } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { recordAudit } from '../audit/record-audit.js';
import type { AdminContext } from '../context.js';
import { bumpConfigVersion } from '../control/config-changes.js';
import { hashPassword } from './passwords.js';
import { startSession } from './session-service.js';

type ProviderRow = typeof identityProviders.$inferSelect;

/** What the browser carries between the redirect to the provider and the way back (sealed in a cookie). */
export interface SsoState {
  readonly providerId: string;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly redirectUri: string;
  readonly intent: string | undefined;
  /** Seconds since the epoch. */
  readonly exp: number;
}

/** The sealed state's cookie: sent only to the SSO routes, and on the provider's top-level redirect back (Lax). */
export const SSO_COOKIE = 'rs_sso';
/** Time allowed at the provider. */
export const SSO_STATE_SECONDS = 600;
const STATE_CONTEXT = 'sso-state';
const DISCOVERY_TTL_MS = 10 * 60_000;

const discovered = new Map<string, { config: oidc.Configuration; at: number }>();
const isLoopback = (issuer: string) => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(issuer);

/**
 * The provider's OpenID configuration (discovery, cached 10 minutes), with the client secret opened from the
 * secret box. Plain-http issuers are accepted only on loopback (the API refuses others), for test providers.
 */
export async function providerConfiguration(ctx: AdminContext, row: ProviderRow): Promise<oidc.Configuration> {
  const key = `${row.id}\n${row.issuer}\n${row.clientId}`;
  const cached = discovered.get(key);
  if (cached !== undefined && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
  const secret = ctx.secrets.open(row.clientSecretEnc, `idp-secret:${row.id}`).toString('utf8');
  try {
    // Non-repudiation checks: the ID token's signature is verified against the provider's JWKS even though it
    // came straight from the token endpoint (OIDC Core 3.1.3.7 would allow skipping it over TLS; we do not).
    const config = await oidc.discovery(new URL(row.issuer), row.clientId, undefined, oidc.ClientSecretBasic(secret), {
      timeout: 10,
      execute: [oidc.enableNonRepudiationChecks, ...(isLoopback(row.issuer) ? [oidc.allowInsecureRequests] : [])],
    });
    discovered.set(key, { config, at: Date.now() });
    return config;
  } catch (err) {
    throw errors.authSsoUnavailable.create(
      `the identity provider "${row.name}" cannot be reached: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** Seals the state for the cookie. */
export const sealSsoState = (ctx: AdminContext, state: SsoState): string =>
  ctx.secrets.seal(JSON.stringify(state), STATE_CONTEXT);

/** Opens the state cookie; undefined when it is missing, forged, from another key, or expired. */
export function openSsoState(ctx: AdminContext, sealed: string | undefined): SsoState | undefined {
  if (sealed === undefined || sealed.length > 8192) return undefined;
  try {
    const state = JSON.parse(ctx.secrets.open(sealed, STATE_CONTEXT).toString('utf8')) as SsoState;
    return state.exp * 1000 > ctx.now().getTime() ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The authorization URL and the state to keep: PKCE (S256), state and nonce (RFC 7636, OIDC Core 3.1.2.1). */
export async function startSso(
  ctx: AdminContext,
  row: ProviderRow,
  redirectUri: string,
  intent: string | undefined,
): Promise<{ url: URL; state: SsoState }> {
  const config = await providerConfiguration(ctx, row);
  const verifier = oidc.randomPKCECodeVerifier();
  const state: SsoState = {
    providerId: row.id,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier,
    redirectUri,
    intent,
    exp: Math.floor(ctx.now().getTime() / 1000) + SSO_STATE_SECONDS,
  };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: row.scopes,
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: state.state,
    nonce: state.nonce,
  });
  return { url, state };
}

/** The roles an ID token maps to: the mapped values of `rolesClaim`, else the provider's default roles. */
export function mappedRoles(row: ProviderRow, claims: Record<string, unknown>): string[] {
  const raw = row.rolesClaim === null ? undefined : claims[row.rolesClaim];
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((v) => typeof v === 'string') : [];
  const mapped = [...new Set(values.map((v) => row.roleMapping[v]).filter((r): r is string => r !== undefined))];
  return mapped.length > 0 ? mapped : row.defaultRoles;
}

/** A signed-in SSO user: their session, and whether their org's membership changed. */
export interface SsoSignIn {
  readonly userId: string;
  readonly email: string;
  readonly sessionId: string;
  readonly refreshToken: string;
  readonly mfa: boolean;
  readonly orgChanged: boolean;
}

/**
 * Finishes the code flow: the code is exchanged at the token endpoint and the ID token checked by openid-client
 * (signature against the provider's JWKS, `iss`, `aud` = our client, `exp`, `nonce`, PKCE, `state`). The user is
 * matched by verified email, or provisioned when the provider allows it; their roles in the org follow the
 * mapping. Every refusal is ERR_AUTH_SSO_FAILED with the reason.
 */
export async function finishSso(
  ctx: AdminContext,
  row: ProviderRow,
  state: SsoState,
  currentUrl: URL,
  client: { ip: string; userAgent: string },
): Promise<SsoSignIn> {
  const config = await providerConfiguration(ctx, row);
  const failed = (why: string, cause?: unknown) =>
    errors.authSsoFailed.create(`single sign-on with "${row.name}" failed: ${why}`, { cause });
  let claims: Record<string, unknown>;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: state.verifier,
      expectedState: state.state,
      expectedNonce: state.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (idClaims === undefined) throw failed('the provider sent no ID token');
    claims = idClaims;
    // Providers may keep profile claims out of the ID token (OIDC Core 5.4): ask the UserInfo endpoint, whose
    // `sub` must be the ID token's. What the ID token says wins.
    const missing = claims['email'] === undefined || (row.rolesClaim !== null && claims[row.rolesClaim] === undefined);
    if (missing && config.serverMetadata().userinfo_endpoint !== undefined) {
      claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_AUTH_SSO_FAILED') throw err;
    const e = err as { error?: string; message?: string };
    throw failed(e.error ?? e.message ?? 'the provider refused the code', err);
  }
  const email = typeof claims['email'] === 'string' ? claims['email'].toLowerCase() : undefined;
  if (email === undefined || claims['email_verified'] !== true)
    throw failed('the provider did not assert a verified email');
  const amr = Array.isArray(claims['amr']) ? claims['amr'] : [];
  const mfa = amr.includes('mfa') || amr.includes('otp') || amr.includes('hwk');
  const roles = mappedRoles(row, claims);
  const name = typeof claims['name'] === 'string' ? claims['name'].slice(0, 200) : '';
  // Provisioned accounts get an unusable random password: they sign in through the provider.
  const unusable = row.provision ? await hashPassword(randomBytes(32).toString('base64url')) : '';
  const now = ctx.now();
  const outcome = await ctx.db.transaction(async (tx) => {
    let [user] = await tx.select().from(users).where(eq(users.email, email)).limit(1);
    if (user === undefined) {
      if (!row.provision) throw failed(`no account has the email ${email}, and this provider does not create accounts`);
      [user] = await tx.insert(users).values({ id: newId(), email, name, passwordHash: unusable }).returning();
      if (user === undefined) throw new Error('the account was not stored');
    }
    if (user.disabled) throw failed('the account is disabled');
    const orgChanged = await syncMembership(tx, row, user.id, roles);
    const session = await startSession(tx, now, {
      userId: user.id,
      authMethod: 'sso',
      mfa,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    await recordAudit(tx, {
      orgId: null,
      actor: { type: 'user', id: user.id },
      action: 'auth.login',
      targetType: 'session',
      targetId: session.sessionId,
      ip: client.ip,
      data: { method: 'sso', provider: row.id, mfa },
    });
    if (orgChanged) {
      await recordAudit(tx, {
        orgId: row.orgId,
        actor: { type: 'system', id: null },
        action: 'member.sso_sync',
        targetType: 'user',
        targetId: user.id,
        data: { provider: row.id, roles },
      });
    }
    return {
      userId: user.id,
      email,
      sessionId: session.sessionId,
      refreshToken: session.refreshToken,
      mfa,
      orgChanged,
    };
  });
  if (outcome.orgChanged) ctx.changes.notify(row.orgId);
  return outcome;
}

/** Adds the membership (when provisioning is allowed) or brings its roles in line with the mapping (not an owner's). */
async function syncMembership(
  tx: DrizzleDatabase,
  row: ProviderRow,
  userId: string,
  roles: string[],
): Promise<boolean> {
  const where = and(eq(memberships.orgId, row.orgId), eq(memberships.userId, userId));
  const [member] = await tx.select({ roles: memberships.roles }).from(memberships).where(where);
  if (member === undefined) {
    if (!row.provision) {
      throw errors.authSsoFailed.create(
        `single sign-on with "${row.name}" failed: you are not a member of its organisation`,
      );
    }
    await tx.insert(memberships).values({ orgId: row.orgId, userId, roles });
  } else if (
    row.rolesClaim !== null &&
    // An owner's roles are never rewritten by a provider: the org must keep its owners.
    !member.roles.includes('owner') &&
    JSON.stringify([...member.roles].sort()) !== JSON.stringify([...roles].sort())
  ) {
    await tx.update(memberships).set({ roles, updatedAt: new Date() }).where(where);
  } else {
    return false;
  }
  await bumpConfigVersion(tx, row.orgId);
  return true;
}
