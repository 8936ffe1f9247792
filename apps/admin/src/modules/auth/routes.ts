import {
  jwksResponse,
  loginRequest,
  meResponse,
  refreshRequest,
  sessionView,
  setupRequest,
  tokenResponse,
  totpCodeRequest,
  totpEnrolResponse,
  updateMeRequest,
  idSchema,
} from '@rustronaut/contracts';
import { memberships, organizations, sessions, users } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/record-audit.js';
import { REFRESH_COOKIE } from '../../auth/access-token.js';
import { checkSignInAllowed, clearSignInFailures, recordSignInFailure } from '../../auth/lockout.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { clearSessionCookies, sessionTokens, setSessionCookies } from '../../auth/session-cookies.js';
import { revokeSessions, rotateRefreshToken, startSession } from '../../auth/session-service.js';
import { matchTotp, newTotpSecret } from '../../auth/totp.js';
import { checkSetupToken, createOwner } from './bootstrap.js';
import type { AdminContext } from '../../context.js';
import { paginationQuery, cursorId, pageOf, pageSchema } from '../../http/pagination.js';
import { sessionViewOf, userViewOf } from '../../http/views.js';
import { notifyOrgsOfUser } from '../config-change.js';
import { requireUser } from '../../plugins/authenticate.js';

const TAG = ['auth'];

/** Sign-in, refresh, sign-out, the JWKS, and the signed-in user's own account (`/api/v1/me`). */
export function authRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    /** The signed-in user's row; 401 when the account has gone since the token was issued. */
    const signedInUser = async (userId: string) => {
      const [user] = await ctx.db.select().from(users).where(eq(users.id, userId)).limit(1);
      if (user === undefined) throw errors.unauthenticated.create('the account no longer exists');
      return user;
    };

    r.get(
      '/.well-known/jwks.json',
      {
        schema: {
          summary: 'Public keys that verify tokens signed by this admin',
          tags: TAG,
          response: { 200: jwksResponse },
        },
      },
      async (_request, reply) => {
        void reply.header('cache-control', 'public, max-age=300');
        return ctx.keys.jwks();
      },
    );

    r.post(
      '/api/v1/auth/login',
      {
        schema: { summary: 'Sign in', tags: TAG, body: loginRequest, response: { 200: tokenResponse } },
      },
      async (request, reply) => {
        const { email, password, totp } = request.body;
        const ip = request.ip;
        const now = ctx.now();
        await checkSignInAllowed(ctx.db, ctx.config.auth, now, { email, ip });
        const [user] = await ctx.db.select().from(users).where(eq(users.email, email)).limit(1);
        const passwordOk = await verifyPassword(user?.passwordHash, password);
        const fail = async (reason: string) => {
          await ctx.db.transaction(async (tx) => {
            const locked = await recordSignInFailure(tx, ctx.config.auth, now, { email, ip });
            const actor = { type: 'user' as const, id: user?.id ?? null };
            await recordAudit(tx, { orgId: null, actor, action: 'auth.login.failed', ip, data: { email, reason } });
            if (locked) await recordAudit(tx, { orgId: null, actor, action: 'auth.lockout', ip, data: { email } });
          });
          throw errors.authInvalidCredentials.create('the email, password or code is not correct');
        };
        if (user === undefined || !passwordOk) return fail(user === undefined ? 'unknown_email' : 'bad_password');
        if (user.disabled) return fail('disabled');
        let totpStep: number | undefined;
        if (user.totpEnabled && user.totpSecretEnc !== null) {
          if (totp === undefined) throw errors.authTotpRequired.create('enter the code from your authenticator app');
          const secret = ctx.secrets.open(user.totpSecretEnc, `totp:${user.id}`).toString('utf8');
          totpStep = matchTotp(secret, totp, now);
          if (totpStep === undefined || totpStep <= (user.totpLastStep ?? -1)) return fail('bad_totp');
        }
        const mfa = totpStep !== undefined;
        const started = await ctx.db.transaction(async (tx) => {
          await clearSignInFailures(tx, email);
          if (totpStep !== undefined)
            await tx.update(users).set({ totpLastStep: totpStep }).where(eq(users.id, user.id));
          const session = await startSession(tx, now, {
            userId: user.id,
            authMethod: 'password',
            mfa,
            ip,
            userAgent: request.headers['user-agent'] ?? '',
          });
          await recordAudit(tx, {
            orgId: null,
            actor: { type: 'user', id: user.id },
            action: 'auth.login',
            targetType: 'session',
            targetId: session.sessionId,
            ip,
            data: { method: 'password', mfa },
          });
          return session;
        });
        const body = await sessionTokens(
          ctx,
          { userId: user.id, sessionId: started.sessionId, authMethod: 'password', mfa },
          started.refreshToken,
        );
        setSessionCookies(request, reply, body.accessToken, body.refreshToken);
        return body;
      },
    );

    r.post(
      '/api/v1/auth/setup',
      {
        schema: {
          summary: 'First run: create the owner account with the setup token printed in the log',
          tags: TAG,
          body: setupRequest,
          response: { 201: meResponse.shape.user },
        },
      },
      async (request, reply) => {
        const { token, ...owner } = request.body;
        await checkSetupToken(ctx, token);
        const userId = await createOwner(ctx, { ...owner, ip: request.ip });
        const [user] = await ctx.db.select().from(users).where(eq(users.id, userId));
        if (user === undefined) throw new Error('owner row missing after insert');
        return reply.status(201).send(userViewOf(user));
      },
    );

    r.post(
      '/api/v1/auth/refresh',
      {
        schema: {
          summary: 'Rotate the refresh token',
          tags: TAG,
          body: refreshRequest.nullish(),
          response: { 200: tokenResponse },
        },
      },
      async (request, reply) => {
        const token = request.body?.refreshToken ?? request.cookies[REFRESH_COOKIE];
        if (token === undefined || token === '') {
          throw errors.authRefreshInvalid.create('send the refresh token in the body or the session cookie');
        }
        const rotated = await rotateRefreshToken(ctx, token, request.ip);
        const body = await sessionTokens(ctx, rotated, rotated.refreshToken);
        setSessionCookies(request, reply, body.accessToken, body.refreshToken);
        return body;
      },
    );

    const endSessions = (all: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
      const user = requireUser(request);
      await ctx.db.transaction(async (tx) => {
        const ended = await revokeSessions(
          tx,
          ctx.now(),
          all ? { userId: user.userId } : { userId: user.userId, sessionId: user.sessionId },
          all ? 'logout_all' : 'logout',
        );
        await recordAudit(tx, {
          orgId: null,
          actor: { type: 'user', id: user.userId },
          action: all ? 'auth.logout_all' : 'auth.logout',
          targetType: 'session',
          targetId: user.sessionId,
          ip: request.ip,
          data: { sessions: ended.length },
        });
      });
      await notifyOrgsOfUser(ctx, user.userId);
      clearSessionCookies(reply);
      return reply.status(204).send(null);
    };
    r.post(
      '/api/v1/auth/logout',
      { schema: { summary: 'Sign out: end this session', tags: TAG, response: { 204: z.null() } } },
      endSessions(false),
    );
    r.post(
      '/api/v1/auth/logout-all',
      {
        schema: {
          summary: 'Sign out everywhere: end every session of this user',
          tags: TAG,
          response: { 204: z.null() },
        },
      },
      endSessions(true),
    );

    r.get(
      '/api/v1/me',
      { schema: { summary: 'The signed-in user and their organisations', tags: TAG, response: { 200: meResponse } } },
      async (request) => {
        const principal = requireUser(request);
        const user = await signedInUser(principal.userId);
        const orgs = await ctx.db
          .select({ orgId: organizations.id, orgName: organizations.name, roles: memberships.roles })
          .from(memberships)
          .innerJoin(organizations, eq(organizations.id, memberships.orgId))
          .where(eq(memberships.userId, user.id))
          .orderBy(organizations.name);
        return { user: userViewOf(user), sessionId: principal.sessionId, memberships: orgs };
      },
    );

    r.patch(
      '/api/v1/me',
      {
        schema: {
          summary: 'Change my name or password',
          tags: TAG,
          body: updateMeRequest,
          response: { 200: meResponse.shape.user },
        },
      },
      async (request) => {
        const principal = requireUser(request);
        const { name, currentPassword, newPassword } = request.body;
        const user = await signedInUser(principal.userId);
        if (newPassword !== undefined && !(await verifyPassword(user.passwordHash, currentPassword ?? ''))) {
          throw errors.validation.create('the current password is not correct', {
            details: { errors: [{ field: 'body.currentPassword', message: 'not correct' }] },
          });
        }
        const passwordHash = newPassword === undefined ? undefined : await hashPassword(newPassword);
        const [updated] = await ctx.db.transaction(async (tx) => {
          if (passwordHash !== undefined) {
            // Every other session ends: whoever knew the old password is signed out.
            await revokeSessions(
              tx,
              ctx.now(),
              { userId: user.id, exceptSessionId: principal.sessionId },
              'password_changed',
            );
          }
          await recordAudit(tx, {
            orgId: null,
            actor: { type: 'user', id: user.id },
            action: passwordHash === undefined ? 'user.update' : 'user.password_change',
            targetType: 'user',
            targetId: user.id,
            ip: request.ip,
            data: { name: name !== undefined },
          });
          return tx
            .update(users)
            .set({
              ...(name === undefined ? {} : { name }),
              ...(passwordHash === undefined ? {} : { passwordHash }),
              updatedAt: ctx.now(),
            })
            .where(eq(users.id, user.id))
            .returning();
        });
        if (updated === undefined) throw errors.notFound.create('no such user');
        return userViewOf(updated);
      },
    );

    r.post(
      '/api/v1/me/totp',
      {
        schema: {
          summary: 'Start enrolling a TOTP second factor (confirm with a code to turn it on)',
          tags: TAG,
          response: { 200: totpEnrolResponse },
        },
      },
      async (request) => {
        const principal = requireUser(request);
        const user = await signedInUser(principal.userId);
        if (user.totpEnabled) throw errors.conflict.create('a second factor is already on; turn it off first');
        const enrolment = newTotpSecret(user.email);
        await ctx.db
          .update(users)
          .set({ totpSecretEnc: ctx.secrets.seal(enrolment.secret, `totp:${user.id}`) })
          .where(eq(users.id, user.id));
        return enrolment;
      },
    );

    const totpChange = (enable: boolean) => async (request: FastifyRequest<{ Body: { code: string } }>) => {
      const principal = requireUser(request);
      const [user] = await ctx.db.select().from(users).where(eq(users.id, principal.userId)).limit(1);
      if (user === undefined || user.totpSecretEnc === null || user.totpEnabled === enable) {
        throw errors.conflict.create(
          enable ? 'start enrolling with POST /api/v1/me/totp first' : 'no second factor is on',
        );
      }
      const secret = ctx.secrets.open(user.totpSecretEnc, `totp:${user.id}`).toString('utf8');
      const step = matchTotp(secret, request.body.code, ctx.now());
      if (step === undefined || step <= (user.totpLastStep ?? -1)) {
        throw errors.validation.create('the code is not correct', {
          details: { errors: [{ field: 'body.code', message: 'not correct' }] },
        });
      }
      const updated = await ctx.db.transaction(async (tx) => {
        await recordAudit(tx, {
          orgId: null,
          actor: { type: 'user', id: user.id },
          action: enable ? 'user.totp.enable' : 'user.totp.disable',
          targetType: 'user',
          targetId: user.id,
          ip: request.ip,
        });
        const [row] = await tx
          .update(users)
          .set({ totpEnabled: enable, totpLastStep: step, ...(enable ? {} : { totpSecretEnc: null }) })
          .where(eq(users.id, user.id))
          .returning();
        return row;
      });
      if (updated === undefined) throw errors.notFound.create('no such user');
      return userViewOf(updated);
    };
    r.post(
      '/api/v1/me/totp/confirm',
      {
        schema: {
          summary: 'Turn the second factor on',
          tags: TAG,
          body: totpCodeRequest,
          response: { 200: meResponse.shape.user },
        },
      },
      totpChange(true),
    );
    r.post(
      '/api/v1/me/totp/disable',
      {
        schema: {
          summary: 'Turn the second factor off',
          tags: TAG,
          body: totpCodeRequest,
          response: { 200: meResponse.shape.user },
        },
      },
      totpChange(false),
    );

    r.get(
      '/api/v1/me/sessions',
      {
        schema: {
          summary: 'My sessions',
          tags: TAG,
          querystring: paginationQuery,
          response: { 200: pageSchema(sessionView) },
        },
      },
      async (request) => {
        const principal = requireUser(request);
        const { limit, cursor } = request.query;
        const after = cursorId(cursor);
        const rows = await ctx.db
          .select()
          .from(sessions)
          .where(and(eq(sessions.userId, principal.userId), after === undefined ? undefined : lt(sessions.id, after)))
          .orderBy(desc(sessions.id))
          .limit(limit + 1);
        return pageOf(rows, limit, (row) => sessionViewOf(row, principal.sessionId));
      },
    );

    r.delete(
      '/api/v1/me/sessions/:sessionId',
      {
        schema: {
          summary: 'Revoke one of my sessions',
          tags: TAG,
          params: z.strictObject({ sessionId: idSchema }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        const principal = requireUser(request);
        const [owned] = await ctx.db
          .select({ id: sessions.id })
          .from(sessions)
          .where(and(eq(sessions.id, request.params.sessionId), eq(sessions.userId, principal.userId)));
        if (owned === undefined) throw errors.notFound.create('no such session');
        // Revoking a session that has already ended changes nothing and answers the same.
        await ctx.db.transaction(async (tx) => {
          const ids = await revokeSessions(tx, ctx.now(), { userId: principal.userId, sessionId: owned.id }, 'revoked');
          if (ids.length > 0) {
            await recordAudit(tx, {
              orgId: null,
              actor: { type: 'user', id: principal.userId },
              action: 'session.revoke',
              targetType: 'session',
              targetId: owned.id,
              ip: request.ip,
            });
          }
        });
        await notifyOrgsOfUser(ctx, principal.userId);
        return reply.status(204).send(null);
      },
    );
  };
}
