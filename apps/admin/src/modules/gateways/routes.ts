import { gatewayCreateBody, gatewayTokenResponse, gatewayView } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { sourceOf } from '../change-source.js';
import { createGateway, deleteGateway, gatewayViewOf, getGateway, issueEnrolToken, listGateways } from './service.js';

const TAG = ['gateways'];
const orgParams = z.strictObject({ orgId: z.uuid({ error: 'expected an id (UUID)' }) });
const gatewayParams = orgParams.extend({ gatewayId: z.uuid({ error: 'expected an id (UUID)' }) });

/**
 * `/api/v1/orgs/:orgId/gateways`: list, create (the answer carries the one-time enrolment token), show, delete,
 * and issue a new token. A gateway id of another organisation answers 404.
 */
export function gatewayRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/gateways',
      {
        ...orgRoute(ctx, 'gateway:read'),
        schema: {
          summary: 'Gateways of an organisation',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(gatewayView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await listGateways(ctx, requireOrg(request).id, cursorId(cursor), limit);
        return pageOf(rows, limit, gatewayViewOf);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/gateways',
      {
        ...orgRoute(ctx, 'gateway:create'),
        schema: {
          summary: 'Create a gateway or tunnel hub and its one-time enrolment token',
          tags: TAG,
          params: orgParams,
          body: gatewayCreateBody,
          response: { 201: gatewayTokenResponse },
        },
      },
      async (request, reply) => {
        const { name, kind } = request.body;
        const created = await createGateway(ctx, requireOrg(request).id, name, sourceOf(request), kind);
        return reply.status(201).send(created);
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/gateways/:gatewayId',
      {
        ...orgRoute(ctx, 'gateway:read'),
        schema: { summary: 'One gateway', tags: TAG, params: gatewayParams, response: { 200: gatewayView } },
      },
      async (request) => gatewayViewOf(await getGateway(ctx, requireOrg(request).id, request.params.gatewayId)),
    );

    r.delete(
      '/api/v1/orgs/:orgId/gateways/:gatewayId',
      {
        ...orgRoute(ctx, 'gateway:delete'),
        schema: {
          summary: 'Delete a gateway; its certificate stops working at once',
          tags: TAG,
          params: gatewayParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteGateway(ctx, requireOrg(request).id, request.params.gatewayId, sourceOf(request));
        return reply.status(204).send(null);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/gateways/:gatewayId/enrol-token',
      {
        ...orgRoute(ctx, 'gateway:update'),
        schema: {
          summary: 'Issue a new one-time enrolment token (the previous one stops working)',
          tags: TAG,
          params: gatewayParams,
          response: { 201: gatewayTokenResponse },
        },
      },
      async (request, reply) => {
        const issued = await issueEnrolToken(ctx, requireOrg(request).id, request.params.gatewayId, sourceOf(request));
        return reply.status(201).send(issued);
      },
    );
  };
}
