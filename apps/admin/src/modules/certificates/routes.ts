import { certificateStatusView } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { listCertificateStatus } from './service.js';

const orgParams = z.strictObject({ orgId: z.uuid({ error: 'expected an id (UUID)' }) });

/**
 * `GET /api/v1/orgs/:orgId/certificates`: every resource host with the certificate gateways serve for it and its
 * ACME state (failures, last error, next attempt). Readable by whoever may read resources; never carries a key.
 */
export function certificateRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/api/v1/orgs/:orgId/certificates',
      {
        ...orgRoute(ctx, 'resource:read'),
        schema: {
          summary: 'Certificates of the resource hosts, and their ACME state',
          tags: ['certificates'],
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(certificateStatusView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await listCertificateStatus(ctx, requireOrg(request).id, cursorId(cursor), limit);
        return pageOf(rows, limit, (row) => row.view);
      },
    );
  };
}
