import { createRoleRequest, orgParams, roleParams, roleView, updateRoleRequest } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from '../members/caller.js';
import { createRole, deleteRole, getRole, listRoles, updateRole } from './service.js';

const TAG = ['roles'];

/**
 * `/api/v1/orgs/:orgId/roles`: the built-in roles and the organisation's custom roles (named permission sets).
 * Nobody creates or changes a role to grant permissions they do not hold.
 */
export function roleRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/roles',
      {
        ...orgRoute(ctx, 'role:read'),
        schema: {
          summary: 'Roles of an organisation: built-in roles first, then custom roles',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(roleView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await listRoles(ctx, requireOrg(request).id, cursor === '' ? undefined : cursor, limit);
        return pageOf(rows, limit, (row) => row);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/roles',
      {
        ...orgRoute(ctx, 'role:create'),
        schema: {
          summary: 'Create a custom role',
          tags: TAG,
          params: orgParams,
          body: createRoleRequest,
          response: { 201: roleView },
        },
      },
      async (request, reply) => reply.status(201).send(await createRole(ctx, callerOf(request), request.body)),
    );

    r.get(
      '/api/v1/orgs/:orgId/roles/:roleId',
      {
        ...orgRoute(ctx, 'role:read'),
        schema: { summary: 'One role, by id or name', tags: TAG, params: roleParams, response: { 200: roleView } },
      },
      async (request) => getRole(ctx, requireOrg(request).id, request.params.roleId),
    );

    r.patch(
      '/api/v1/orgs/:orgId/roles/:roleId',
      {
        ...orgRoute(ctx, 'role:update'),
        schema: {
          summary: 'Change a custom role (renaming needs it unassigned)',
          tags: TAG,
          params: roleParams,
          body: updateRoleRequest,
          response: { 200: roleView },
        },
      },
      async (request) => updateRole(ctx, callerOf(request), request.params.roleId, request.body),
    );

    r.delete(
      '/api/v1/orgs/:orgId/roles/:roleId',
      {
        ...orgRoute(ctx, 'role:delete'),
        schema: {
          summary: 'Delete a custom role no member holds',
          tags: TAG,
          params: roleParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteRole(ctx, callerOf(request), request.params.roleId);
        return reply.status(204).send(null);
      },
    );
  };
}
