import { memberSessionListQuery, memberSessionParams, orgParams, sessionView } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { sessionViewOf } from '../../http/views.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from '../members/caller.js';
import { listMemberSessions, revokeMemberSession } from './service.js';

const TAG = ['sessions'];

/** `/api/v1/orgs/:orgId/sessions`: the sessions of the organisation's members, and revoking one. */
export function orgSessionRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/sessions',
      {
        ...orgRoute(ctx, 'session:read'),
        schema: {
          summary: "Sessions of the organisation's members",
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery.extend(memberSessionListQuery.shape),
          response: { 200: pageSchema(sessionView) },
        },
      },
      async (request) => {
        const { limit, cursor, userId, active } = request.query;
        const principal = request.principal;
        const current = principal?.type === 'user' ? principal.sessionId : undefined;
        const rows = await listMemberSessions(
          ctx,
          requireOrg(request).id,
          { userId, active: active === undefined ? undefined : active === 'true' },
          cursorId(cursor),
          limit,
        );
        return pageOf(
          rows.map((row) => row.session),
          limit,
          (row) => sessionViewOf(row, current),
        );
      },
    );

    r.delete(
      '/api/v1/orgs/:orgId/sessions/:sessionId',
      {
        ...orgRoute(ctx, 'session:delete'),
        schema: {
          summary: "Revoke a session of a member: it ends at once, everywhere (sessions are the user's, not the org's)",
          tags: TAG,
          params: memberSessionParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await revokeMemberSession(ctx, callerOf(request), request.params.sessionId);
        return reply.status(204).send(null);
      },
    );
  };
}
