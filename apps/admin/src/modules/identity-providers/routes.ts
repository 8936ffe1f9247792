import {
  createIdentityProviderRequest,
  identityProviderParams,
  identityProviderView,
  orgParams,
  ssoCallbackQuery,
  ssoProvidersQuery,
  ssoProvidersResponse,
  ssoStartParams,
  ssoStartQuery,
} from '@rustronaut/contracts';
import { identityProviders } from '@rustronaut/db';
import { errors, isAppError } from '@rustronaut/errors';
import { asc, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { grantAccess } from '../../access/access-codes.js';
import { intentOrg } from '../../access/open-intent.js';
import { sessionTokens, setSessionCookies } from '../../auth/session-cookies.js';
import { finishSso, openSsoState, sealSsoState, SSO_COOKIE, SSO_STATE_SECONDS, startSso } from '../../auth/sso.js';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from '../members/caller.js';
import { pageOfOrg } from '../org-rows.js';
import { callbackUri, createProvider, deleteProvider, providerView } from './service.js';

const TAG = ['identity providers'];
const SSO_PATH = '/api/v1/auth/sso';

/** The admin's base URL as browsers reach it: `admin.publicUrl`, else the request's own. */
const baseOf = (ctx: AdminContext, request: FastifyRequest) =>
  ctx.config.admin.publicUrl ?? `${request.protocol}://${request.host}`;

/** OpenID Connect providers of an org, and the single sign-on flow (`/api/v1/auth/sso/*`). */
export function identityProviderRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const providerById = async (id: string) =>
      (await ctx.db.select().from(identityProviders).where(eq(identityProviders.id, id)).limit(1))[0];

    r.get(
      '/api/v1/orgs/:orgId/identity-providers',
      {
        ...orgRoute(ctx, 'org:read'),
        schema: {
          summary: 'Identity providers (OIDC single sign-on) of the organisation',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(identityProviderView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await pageOfOrg(ctx.db, identityProviders, requireOrg(request).id, cursorId(cursor), limit);
        const base = baseOf(ctx, request);
        return pageOf(rows, limit, (row) => providerView(row, base));
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/identity-providers',
      {
        ...orgRoute(ctx, 'org:update'),
        schema: {
          summary: 'Add an OpenID Connect identity provider; register the answer’s `redirectUri` at the provider',
          tags: TAG,
          params: orgParams,
          body: createIdentityProviderRequest,
          response: { 201: identityProviderView },
        },
      },
      async (request, reply) => {
        const row = await createProvider(ctx, callerOf(request), request.body);
        return reply.status(201).send(providerView(row, baseOf(ctx, request)));
      },
    );

    r.delete(
      '/api/v1/orgs/:orgId/identity-providers/:providerId',
      {
        ...orgRoute(ctx, 'org:update'),
        schema: {
          summary: 'Remove an identity provider',
          tags: TAG,
          params: identityProviderParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteProvider(ctx, callerOf(request), request.params.providerId);
        return reply.status(204).send(null);
      },
    );

    r.get(
      `${SSO_PATH}/providers`,
      {
        schema: {
          summary: "An organisation's single sign-on buttons, for the login page (no sign-in needed)",
          tags: ['auth'],
          querystring: ssoProvidersQuery,
          response: { 200: ssoProvidersResponse },
        },
      },
      async (request) => {
        const rows = await ctx.db
          .select({ id: identityProviders.id, name: identityProviders.name })
          .from(identityProviders)
          .where(eq(identityProviders.orgId, request.query.orgId))
          .orderBy(asc(identityProviders.name));
        return { items: rows.map((row) => ({ ...row, startUrl: `${SSO_PATH}/${row.id}/start` })) };
      },
    );

    r.get(
      `${SSO_PATH}/:providerId/start`,
      {
        schema: {
          summary: 'Start single sign-on: redirect to the provider (PKCE, state and nonce)',
          tags: ['auth'],
          params: ssoStartParams,
          querystring: ssoStartQuery,
          response: { 302: z.null() },
        },
      },
      async (request, reply) => {
        const row = await providerById(request.params.providerId);
        if (row === undefined) throw errors.notFound.create('no such identity provider');
        const { intent } = request.query;
        if (intent !== undefined && intentOrg(intent) !== row.orgId) {
          throw errors.accessIntentInvalid.create(
            'the sign-in intent is for another organisation; open the resource again',
          );
        }
        const { url, state } = await startSso(ctx, row, callbackUri(baseOf(ctx, request)), intent);
        void reply.setCookie(SSO_COOKIE, sealSsoState(ctx, state), {
          path: SSO_PATH,
          httpOnly: true,
          sameSite: 'lax',
          secure: request.protocol === 'https',
          maxAge: SSO_STATE_SECONDS,
        });
        return reply.header('cache-control', 'no-store').redirect(url.href, 302);
      },
    );

    r.get(
      `${SSO_PATH}/callback`,
      {
        schema: {
          summary: 'Where the provider sends the browser back: signs in, then on to the resource or the console',
          tags: ['auth'],
          querystring: ssoCallbackQuery,
          response: { 302: z.null() },
        },
      },
      async (request, reply) => {
        const state = openSsoState(ctx, request.cookies[SSO_COOKIE]);
        void reply.clearCookie(SSO_COOKIE, { path: SSO_PATH });
        try {
          return await finishCallback(request, reply, state);
        } catch (err) {
          // A browser goes back to the login page with the error's code (the page says what it means), never to a
          // page of raw JSON; the code only, so nothing the provider sent is shown. API clients get the problem.
          if (!isAppError(err) || !(request.headers.accept ?? '').includes('text/html')) throw err;
          request.log.warn({ code: err.code, detail: err.message }, 'single sign-on failed');
          const back = new URLSearchParams({ error: err.code, ...(state?.intent ? { intent: state.intent } : {}) });
          return reply.header('cache-control', 'no-store').redirect(`/login?${back.toString()}`, 302);
        }
      },
    );

    /** The callback after the state cookie: checks, signs in, and sends the browser on. */
    async function finishCallback(
      request: FastifyRequest<{ Querystring: z.output<typeof ssoCallbackQuery> }>,
      reply: FastifyReply,
      state: ReturnType<typeof openSsoState>,
    ) {
      if (state === undefined) {
        throw errors.authSsoFailed.create('the sign-in took too long, or started in another browser: start again');
      }
      if (request.query.error !== undefined) {
        throw errors.authSsoFailed.create(`the provider refused: ${request.query.error}`);
      }
      const row = await providerById(state.providerId);
      if (row === undefined) throw errors.authSsoFailed.create('the identity provider was removed meanwhile');
      const search = request.url.slice(request.url.indexOf('?'));
      const signedIn = await finishSso(ctx, row, state, new URL(`${state.redirectUri}${search}`), {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
      });
      const body = await sessionTokens(
        ctx,
        { userId: signedIn.userId, sessionId: signedIn.sessionId, authMethod: 'sso', mfa: signedIn.mfa },
        signedIn.refreshToken,
      );
      setSessionCookies(request, reply, body.accessToken, body.refreshToken);
      let next = '/';
      if (state.intent !== undefined) {
        const user = {
          type: 'user' as const,
          userId: signedIn.userId,
          email: signedIn.email,
          sessionId: signedIn.sessionId,
          authMethod: 'sso',
          mfa: signedIn.mfa,
          viaCookie: true,
        };
        next = (await grantAccess(ctx, user, state.intent, request.ip)).redirectUrl;
      }
      return reply.header('cache-control', 'no-store').redirect(next, 302);
    }
  };
}
