import { createDeviceCaRequest, deviceCaParams, deviceCaView, orgParams } from '@rustronaut/contracts';
import { deviceCas } from '@rustronaut/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from '../members/caller.js';
import { pageOfOrg } from '../org-rows.js';
import { createDeviceCa, deleteDeviceCa, deviceCaView as viewOf } from './service.js';

const TAG = ['device CAs'];

/**
 * `/api/v1/orgs/:orgId/device-cas`: the certificate authorities of the org's device certificates, which resources
 * with `options.clientCertificate` trust on the gateway's HTTPS listener.
 */
export function deviceCaRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/device-cas',
      {
        ...orgRoute(ctx, 'org:read'),
        schema: {
          summary: 'Certificate authorities of the organisation’s device certificates',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(deviceCaView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        return pageOf(
          await pageOfOrg(ctx.db, deviceCas, requireOrg(request).id, cursorId(cursor), limit),
          limit,
          viewOf,
        );
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/device-cas',
      {
        ...orgRoute(ctx, 'org:update'),
        schema: {
          summary: 'Trust a CA for device certificates (its certificate only, never its key)',
          tags: TAG,
          params: orgParams,
          body: createDeviceCaRequest,
          response: { 201: deviceCaView },
        },
      },
      async (request, reply) =>
        reply.status(201).send(viewOf(await createDeviceCa(ctx, callerOf(request), request.body))),
    );

    r.delete(
      '/api/v1/orgs/:orgId/device-cas/:deviceCaId',
      {
        ...orgRoute(ctx, 'org:update'),
        schema: {
          summary: 'Stop trusting a device CA',
          tags: TAG,
          params: deviceCaParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteDeviceCa(ctx, callerOf(request), request.params.deviceCaId);
        return reply.status(204).send(null);
      },
    );
  };
}
