import { apiKeys, sessions, users } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { isPermission } from '@rustronaut/policy';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX, parseApiKey, sha256Hex } from '../auth/api-key-format.js';
import { ACCESS_AUDIENCE, ACCESS_COOKIE } from '../auth/access-token.js';
import type { ApiKeyPrincipal, Principal, UserPrincipal } from '../auth/principal.js';
import type { AdminContext } from '../context.js';

/** `last_used_at` of an API key is written at most this often. */
const LAST_USED_GRANULARITY_MS = 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const unauthenticated = (why: string) => errors.unauthenticated.create(why);

/**
 * Finds who is calling, from `Authorization: Bearer <access token | API key>` or the console's cookie, and sets
 * `request.principal`. Requests without credentials pass with no principal (public routes decide); requests with
 * credentials that do not check out are refused with 401 here, whatever the route.
 */
export function registerAuthentication(app: FastifyInstance, ctx: AdminContext): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('org', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(header);
      if (m?.[1] === undefined) throw unauthenticated('the Authorization header must be "Bearer <token or API key>"');
      request.principal = m[1].startsWith(API_KEY_PREFIX)
        ? await apiKeyPrincipal(ctx, m[1])
        : await sessionPrincipal(ctx, m[1], false);
      return;
    }
    const cookie = request.cookies[ACCESS_COOKIE];
    if (cookie !== undefined && cookie !== '') {
      let principal: UserPrincipal;
      try {
        principal = await sessionPrincipal(ctx, cookie, true);
      } catch (err) {
        if ((err as { code?: unknown }).code !== errors.unauthenticated.code) throw err;
        // A stale console cookie (the session ended or was revoked) must not lock the browser out of signing in
        // again: forget it and go on without a principal; routes that need one still answer 401.
        void reply.clearCookie(ACCESS_COOKIE, { path: '/' });
        return;
      }
      if (!SAFE_METHODS.has(request.method)) checkSameOrigin(request);
      request.principal = principal;
    }
  });
}

const NO_SESSION = '00000000-0000-0000-0000-000000000000';

/** The session check runs on every request: prepared once per database, so it is not rebuilt each time. */
const activeSessionQueries = new WeakMap<AdminContext['db'], ReturnType<typeof prepareActiveSession>>();

function prepareActiveSession(db: AdminContext['db']) {
  return db
    .select({ userId: users.id, email: users.email, authMethod: sessions.authMethod, mfa: sessions.mfa })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sql.placeholder('sessionId')),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql.placeholder('now')),
        eq(users.disabled, false),
      ),
    )
    .limit(1)
    .prepare('rustronaut_active_session');
}

function activeSessionQuery(ctx: AdminContext) {
  let query = activeSessionQueries.get(ctx.db);
  if (query === undefined) activeSessionQueries.set(ctx.db, (query = prepareActiveSession(ctx.db)));
  return query;
}

async function sessionPrincipal(ctx: AdminContext, token: string, viaCookie: boolean): Promise<UserPrincipal> {
  let claims;
  try {
    claims = await ctx.keys.verify(token, { audience: ACCESS_AUDIENCE, typ: 'JWT' });
  } catch {
    throw unauthenticated('the access token is invalid or expired; refresh it or sign in again');
  }
  const sessionId = typeof claims.sid === 'string' && isUuid(claims.sid) ? claims.sid : NO_SESSION;
  const [row] = await activeSessionQuery(ctx).execute({ sessionId, now: ctx.now() });
  if (row === undefined || row.userId !== claims.sub) {
    throw unauthenticated('the session has ended (signed out, revoked or expired); sign in again');
  }
  return { type: 'user', sessionId, viaCookie, ...row };
}

async function apiKeyPrincipal(ctx: AdminContext, key: string): Promise<ApiKeyPrincipal> {
  const parsed = parseApiKey(key);
  const [row] =
    parsed === undefined ? [] : await ctx.db.select().from(apiKeys).where(eq(apiKeys.prefix, parsed.prefix)).limit(1);
  const presented = Buffer.from(sha256Hex(key), 'hex');
  const stored = Buffer.from(row?.secretHash ?? '0'.repeat(64), 'hex');
  const matches = timingSafeEqual(presented, stored) && row !== undefined;
  const now = ctx.now();
  if (!matches || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) {
    throw unauthenticated('the API key is invalid, revoked or expired');
  }
  if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await ctx.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
  }
  return {
    type: 'api_key',
    apiKeyId: row.id,
    orgId: row.orgId,
    permissions: new Set(row.permissions.filter(isPermission)),
    createdBy: row.createdBy,
  };
}

/** A cookie-authenticated change must come from the console's own origin (the cookie is SameSite=Strict too). */
function checkSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  const expected = `${request.protocol}://${request.host}`;
  if (origin !== expected && request.headers['sec-fetch-site'] !== 'same-origin') {
    throw errors.csrfRejected.create(
      `a cookie-authenticated ${request.method} must come from ${expected} (Origin was ${origin ?? 'missing'})`,
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Whether `text` is a lower-case UUID (the shape of every id). */
export const isUuid = (text: string): boolean => UUID.test(text);

/** The principal of a request that must be authenticated; 401 when there is none. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (request.principal === undefined) {
    throw unauthenticated('sign in, or send an access token or API key as "Authorization: Bearer ..."');
  }
  return request.principal;
}

/** The signed-in user of a route for people only (API keys get 403). */
export function requireUser(request: FastifyRequest): UserPrincipal {
  const principal = requirePrincipal(request);
  if (principal.type !== 'user') throw errors.forbidden.create('this endpoint is for signed-in users, not API keys');
  return principal;
}
