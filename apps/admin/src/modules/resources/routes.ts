import {
  createResourceRequest,
  explainRequest,
  explainResponse,
  orgParams,
  resourceFilters,
  resourceParams,
  resourceView,
  updateResourceRequest,
} from '@rustronaut/contracts';
import { policies } from '@rustronaut/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { sourceOf } from '../change-source.js';
import { explainRules } from '../policies/explain.js';
import {
  createResource,
  deleteResource,
  getResource,
  listResources,
  resourceViewOf,
  updateResource,
} from './service.js';
import { ofOrg } from '../org-rows.js';

const TAG = ['resources'];
const listQuery = paginationQuery.extend(resourceFilters);

/**
 * `/api/v1/orgs/:orgId/resources`: published HTTP and TCP services. Every change bumps the org's config version
 * and is pushed to its gateways. A resource id of another organisation answers 404.
 */
export function resourceRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/resources',
      {
        ...orgRoute(ctx, 'resource:read'),
        schema: {
          summary: 'Resources of an organisation, filtered by text, kind, site or policy',
          tags: TAG,
          params: orgParams,
          querystring: listQuery,
          response: { 200: pageSchema(resourceView) },
        },
      },
      async (request) => {
        const { limit, cursor, q, kind, siteId, policyId } = request.query;
        const rows = await listResources(ctx, requireOrg(request).id, {
          after: cursorId(cursor),
          limit,
          q,
          kind,
          siteId,
          policyId,
        });
        return pageOf(rows, limit, resourceViewOf);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/resources',
      {
        ...orgRoute(ctx, 'resource:create'),
        schema: {
          summary: 'Publish a resource',
          tags: TAG,
          params: orgParams,
          body: createResourceRequest,
          response: { 201: resourceView },
        },
      },
      async (request, reply) => {
        const row = await createResource(ctx, requireOrg(request).id, request.body, sourceOf(request));
        return reply.status(201).send(resourceViewOf(row));
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/resources/:resourceId',
      {
        ...orgRoute(ctx, 'resource:read'),
        schema: { summary: 'One resource', tags: TAG, params: resourceParams, response: { 200: resourceView } },
      },
      async (request) => resourceViewOf(await getResource(ctx.db, requireOrg(request).id, request.params.resourceId)),
    );

    r.patch(
      '/api/v1/orgs/:orgId/resources/:resourceId',
      {
        ...orgRoute(ctx, 'resource:update'),
        schema: {
          summary: 'Change a resource (its kind stays)',
          tags: TAG,
          params: resourceParams,
          body: updateResourceRequest,
          response: { 200: resourceView },
        },
      },
      async (request) =>
        resourceViewOf(
          await updateResource(ctx, requireOrg(request).id, request.params.resourceId, request.body, sourceOf(request)),
        ),
    );

    r.delete(
      '/api/v1/orgs/:orgId/resources/:resourceId',
      {
        ...orgRoute(ctx, 'resource:delete'),
        schema: {
          summary: 'Delete a resource',
          tags: TAG,
          params: resourceParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteResource(ctx, requireOrg(request).id, request.params.resourceId, sourceOf(request));
        return reply.status(204).send(null);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/resources/:resourceId/explain',
      {
        ...orgRoute(ctx, 'resource:read'),
        schema: {
          summary: "What the resource's access rules decide for a request, and why",
          description: 'Its policy, with the `public` option; a resource with neither admits nobody (deny by default).',
          tags: TAG,
          params: resourceParams,
          body: explainRequest,
          response: { 200: explainResponse },
        },
      },
      async (request) => {
        const orgId = requireOrg(request).id;
        const resource = await getResource(ctx.db, orgId, request.params.resourceId);
        let rules: readonly unknown[] = [];
        if (resource.policyId !== null) {
          const [policy] = await ctx.db
            .select({ rules: policies.rules })
            .from(policies)
            .where(ofOrg(policies, orgId, resource.policyId));
          rules = policy?.rules ?? [];
        }
        return explainRules(rules, resource.options.public === true, request.body, ctx.now());
      },
    );
  };
}
