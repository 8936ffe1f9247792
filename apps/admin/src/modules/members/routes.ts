import {
  createMemberRequest,
  memberListQuery,
  memberParams,
  memberView,
  orgParams,
  updateMemberRequest,
} from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from './caller.js';
import { addMember, getMember, listMembers, memberViewOf, removeMember, updateMember } from './service.js';

const TAG = ['members'];

/**
 * `/api/v1/orgs/:orgId/members`: who belongs to the organisation and with which roles. Adding a member whose email
 * has no account creates the account with a password the admin sets and passes on (no email is sent). Nobody grants
 * permissions they do not hold, and the last owner stays.
 */
export function memberRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/members',
      {
        ...orgRoute(ctx, 'member:read'),
        schema: {
          summary: 'Members of an organisation',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery.extend(memberListQuery.shape),
          response: { 200: pageSchema(memberView) },
        },
      },
      async (request) => {
        const { limit, cursor, role } = request.query;
        const rows = await listMembers(ctx, requireOrg(request).id, { role }, cursorId(cursor), limit);
        return pageOf(rows, limit, memberViewOf);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/members',
      {
        ...orgRoute(ctx, 'member:create'),
        schema: {
          summary: 'Add a member (creating the account, with the given password, when the email has none)',
          tags: TAG,
          params: orgParams,
          body: createMemberRequest,
          response: { 201: memberView },
        },
      },
      async (request, reply) => reply.status(201).send(await addMember(ctx, callerOf(request), request.body)),
    );

    r.get(
      '/api/v1/orgs/:orgId/members/:userId',
      {
        ...orgRoute(ctx, 'member:read'),
        schema: { summary: 'One member', tags: TAG, params: memberParams, response: { 200: memberView } },
      },
      async (request) => memberViewOf(await getMember(ctx.db, requireOrg(request).id, request.params.userId)),
    );

    r.patch(
      '/api/v1/orgs/:orgId/members/:userId',
      {
        ...orgRoute(ctx, 'member:update'),
        schema: {
          summary: "Replace a member's roles",
          tags: TAG,
          params: memberParams,
          body: updateMemberRequest,
          response: { 200: memberView },
        },
      },
      async (request) => updateMember(ctx, callerOf(request), request.params.userId, request.body),
    );

    r.delete(
      '/api/v1/orgs/:orgId/members/:userId',
      {
        ...orgRoute(ctx, 'member:delete'),
        schema: {
          summary: 'Remove a member (their API keys in this organisation are revoked)',
          tags: TAG,
          params: memberParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await removeMember(ctx, callerOf(request), request.params.userId);
        return reply.status(204).send(null);
      },
    );
  };
}
