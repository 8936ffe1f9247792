import { apiKeyCreatedResponse, apiKeyParams, apiKeyView, createApiKeyRequest, orgParams } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { requireUser } from '../../plugins/authenticate.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from '../members/caller.js';
import { apiKeyViewOf, createApiKey, getApiKey, listApiKeys, revokeApiKey } from './service.js';

const TAG = ['api-keys'];

/**
 * `/api/v1/orgs/:orgId/api-keys`: keys scoped to the organisation and a subset of their creator's permissions.
 * A key is shown once, in the answer to its creation; lists and reads never show it or its hash.
 */
export function apiKeyRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/api-keys',
      {
        ...orgRoute(ctx, 'apikey:read'),
        schema: {
          summary: 'API keys of an organisation (revoked and expired ones included)',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(apiKeyView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await listApiKeys(ctx, requireOrg(request).id, cursorId(cursor), limit);
        return pageOf(rows, limit, apiKeyViewOf);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/api-keys',
      {
        ...orgRoute(ctx, 'apikey:create'),
        schema: {
          summary: 'Create an API key (signed-in users only); the key is in this answer only',
          tags: TAG,
          params: orgParams,
          body: createApiKeyRequest,
          response: { 201: apiKeyCreatedResponse },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        const created = await createApiKey(ctx, callerOf(request), user.userId, request.body);
        return reply.status(201).header('cache-control', 'no-store').send(created);
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/api-keys/:apiKeyId',
      {
        ...orgRoute(ctx, 'apikey:read'),
        schema: { summary: 'One API key', tags: TAG, params: apiKeyParams, response: { 200: apiKeyView } },
      },
      async (request) => apiKeyViewOf(await getApiKey(ctx.db, requireOrg(request).id, request.params.apiKeyId)),
    );

    r.delete(
      '/api/v1/orgs/:orgId/api-keys/:apiKeyId',
      {
        ...orgRoute(ctx, 'apikey:delete'),
        schema: {
          summary: 'Revoke an API key: it stops working at once',
          tags: TAG,
          params: apiKeyParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await revokeApiKey(ctx, callerOf(request), request.params.apiKeyId);
        return reply.status(204).send(null);
      },
    );
  };
}
