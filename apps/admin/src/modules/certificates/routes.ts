import {
  certificateStatusView,
  orgParams,
  uploadCertificateRequest,
  uploadedCertificateParams,
  uploadedCertificateView,
} from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from '../members/caller.js';
import {
  deleteUploadedCertificate,
  listCertificateStatus,
  listUploaded,
  uploadCertificate,
  uploadedView,
} from './service.js';

const TAG = ['certificates'];

/**
 * `GET /api/v1/orgs/:orgId/certificates`: every resource host with the certificate gateways serve for it and its
 * ACME state (failures, last error, next attempt); and the certificates uploaded by hand
 * (`/api/v1/orgs/:orgId/uploaded-certificates`). No answer ever carries a private key.
 */
export function certificateRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/api/v1/orgs/:orgId/certificates',
      {
        ...orgRoute(ctx, 'certificate:read'),
        schema: {
          summary: 'Certificates of the resource hosts, and their ACME state',
          tags: TAG,
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

    r.get(
      '/api/v1/orgs/:orgId/uploaded-certificates',
      {
        ...orgRoute(ctx, 'certificate:read'),
        schema: {
          summary: 'Certificates uploaded by hand (never their keys)',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(uploadedCertificateView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await listUploaded(ctx, requireOrg(request).id, cursorId(cursor), limit);
        return pageOf(rows, limit, uploadedView);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/uploaded-certificates',
      {
        ...orgRoute(ctx, 'certificate:create'),
        schema: {
          summary: 'Upload a certificate chain and its key; served for its names, never replaced by ACME',
          tags: TAG,
          params: orgParams,
          body: uploadCertificateRequest,
          response: { 201: uploadedCertificateView },
        },
      },
      async (request, reply) => {
        const row = await uploadCertificate(ctx, callerOf(request), request.body);
        return reply.status(201).send(uploadedView(row));
      },
    );

    r.delete(
      '/api/v1/orgs/:orgId/uploaded-certificates/:certificateId',
      {
        ...orgRoute(ctx, 'certificate:delete'),
        schema: {
          summary: 'Delete an uploaded certificate (ACME or the built-in CA takes its hosts over)',
          tags: TAG,
          params: uploadedCertificateParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteUploadedCertificate(ctx, callerOf(request), request.params.certificateId);
        return reply.status(204).send(null);
      },
    );
  };
}
