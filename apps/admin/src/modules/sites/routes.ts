import {
  createSiteRequest,
  createSiteTargetRequest,
  idSchema,
  orgParams,
  siteParams,
  siteTargetParams,
  siteTargetView,
  siteTokenView,
  siteView,
  updateSiteRequest,
} from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { sourceOf } from '../change-source.js';
import { createSite, deleteSite, getSite, issueSiteToken, listSites, siteViewOf, updateSite } from './service.js';
import { createSiteTarget, deleteSiteTarget, getSiteTarget, listSiteTargets } from './targets.js';

const TAG = ['sites'];

/**
 * `/api/v1/orgs/:orgId/sites`: places whose private services a connector reaches through a WireGuard tunnel; their
 * one-time connector enrolment tokens and their targets. A site id of another organisation answers 404.
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
          summary: 'Create a site, its tunnel address and its one-time connector enrolment token',
          tags: TAG,
          params: orgParams,
          body: createSiteRequest,
          response: { 201: siteTokenView },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createSite(ctx, requireOrg(request).id, request.body, sourceOf(request))),
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

    r.post(
      '/api/v1/orgs/:orgId/sites/:siteId/enrol-token',
      {
        ...orgRoute(ctx, 'site:update'),
        schema: {
          summary: 'Issue a new one-time connector enrolment token (the previous one stops working)',
          tags: TAG,
          params: siteParams,
          response: { 201: siteTokenView },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await issueSiteToken(ctx, requireOrg(request).id, request.params.siteId, sourceOf(request))),
    );

    r.get(
      '/api/v1/orgs/:orgId/site-targets',
      {
        ...orgRoute(ctx, 'site:read'),
        schema: {
          summary: 'Site targets (private services connectors forward to), optionally of one site',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery.extend({ siteId: idSchema.optional().describe('Only this site’s targets.') }),
          response: { 200: pageSchema(siteTargetView) },
        },
      },
      async (request) => {
        const { limit, cursor, siteId } = request.query;
        const views = await listSiteTargets(ctx, requireOrg(request).id, { siteId, after: cursorId(cursor), limit });
        return pageOf(views, limit, (view) => view);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/site-targets',
      {
        ...orgRoute(ctx, 'site:update'),
        schema: {
          summary: 'Add a target to a site',
          tags: TAG,
          params: orgParams,
          body: createSiteTargetRequest,
          response: { 201: siteTargetView },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createSiteTarget(ctx, requireOrg(request).id, request.body, sourceOf(request))),
    );

    r.get(
      '/api/v1/orgs/:orgId/site-targets/:targetId',
      {
        ...orgRoute(ctx, 'site:read'),
        schema: { summary: 'One site target', tags: TAG, params: siteTargetParams, response: { 200: siteTargetView } },
      },
      async (request) => getSiteTarget(ctx, requireOrg(request).id, request.params.targetId),
    );

    r.delete(
      '/api/v1/orgs/:orgId/site-targets/:targetId',
      {
        ...orgRoute(ctx, 'site:update'),
        schema: {
          summary: 'Remove a target from its site',
          tags: TAG,
          params: siteTargetParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteSiteTarget(ctx, requireOrg(request).id, request.params.targetId, sourceOf(request));
        return reply.status(204).send(null);
      },
    );
  };
}
