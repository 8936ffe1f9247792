import { createSiteRequest, orgParams, siteParams, siteView, updateSiteRequest } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { sourceOf } from '../change-source.js';
import { createSite, deleteSite, getSite, listSites, siteViewOf, updateSite } from './service.js';

const TAG = ['sites'];

/**
 * `/api/v1/orgs/:orgId/sites`: places whose private services a connector reaches (enrolment of the connector
 * comes with the tunnel work). A site id of another organisation answers 404.
 */
export function siteRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/sites',
      {
        ...orgRoute(ctx, 'site:read'),
        schema: {
          summary: 'Sites of an organisation',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(siteView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await listSites(ctx, requireOrg(request).id, cursorId(cursor), limit);
        const now = ctx.now();
        return pageOf(rows, limit, (row) => siteViewOf(row, now));
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/sites',
      {
        ...orgRoute(ctx, 'site:create'),
        schema: {
          summary: 'Create a site',
          tags: TAG,
          params: orgParams,
          body: createSiteRequest,
          response: { 201: siteView },
        },
      },
      async (request, reply) => {
        const row = await createSite(ctx, requireOrg(request).id, request.body, sourceOf(request));
        return reply.status(201).send(siteViewOf(row, ctx.now()));
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/sites/:siteId',
      {
        ...orgRoute(ctx, 'site:read'),
        schema: { summary: 'One site', tags: TAG, params: siteParams, response: { 200: siteView } },
      },
      async (request) => siteViewOf(await getSite(ctx, requireOrg(request).id, request.params.siteId), ctx.now()),
    );

    r.patch(
      '/api/v1/orgs/:orgId/sites/:siteId',
      {
        ...orgRoute(ctx, 'site:update'),
        schema: {
          summary: 'Rename or redescribe a site',
          tags: TAG,
          params: siteParams,
          body: updateSiteRequest,
          response: { 200: siteView },
        },
      },
      async (request) =>
        siteViewOf(
          await updateSite(ctx, requireOrg(request).id, request.params.siteId, request.body, sourceOf(request)),
          ctx.now(),
        ),
    );

    r.delete(
      '/api/v1/orgs/:orgId/sites/:siteId',
      {
        ...orgRoute(ctx, 'site:delete'),
        schema: {
          summary: 'Delete a site (refused while a resource uses it)',
          tags: TAG,
          params: siteParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteSite(ctx, requireOrg(request).id, request.params.siteId, sourceOf(request));
        return reply.status(204).send(null);
      },
    );
  };
}
