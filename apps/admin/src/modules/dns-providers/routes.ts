import { createDnsProviderRequest, dnsProviderParams, dnsProviderView, orgParams } from '@rustronaut/contracts';
import { dnsProviders } from '@rustronaut/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { callerOf } from '../members/caller.js';
import { pageOfOrg } from '../org-rows.js';
import { createDnsProvider, deleteDnsProvider, dnsProviderView as viewOf } from './service.js';

const TAG = ['certificates'];

/**
 * DNS providers of an org (`/api/v1/orgs/:orgId/dns-providers`), for ACME DNS-01. They hold credentials that can
 * change the org's DNS, so they take `org:update`, like identity providers; their secrets are never shown.
 */
export function dnsProviderRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/api/v1/orgs/:orgId/dns-providers',
      {
        ...orgRoute(ctx, 'org:read'),
        schema: {
          summary: 'DNS providers for ACME DNS-01 challenges (never their secrets)',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(dnsProviderView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await pageOfOrg(ctx.db, dnsProviders, requireOrg(request).id, cursorId(cursor), limit);
        return pageOf(rows, limit, viewOf);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/dns-providers',
      {
        ...orgRoute(ctx, 'org:update'),
        schema: {
          summary: 'Add a DNS provider: the hosts of its domain are validated with DNS-01 through it',
          tags: TAG,
          params: orgParams,
          body: createDnsProviderRequest,
          response: { 201: dnsProviderView },
        },
      },
      async (request, reply) => {
        const row = await createDnsProvider(ctx, callerOf(request), request.body);
        return reply.status(201).send(viewOf(row));
      },
    );

    r.delete(
      '/api/v1/orgs/:orgId/dns-providers/:dnsProviderId',
      {
        ...orgRoute(ctx, 'org:update'),
        schema: {
          summary: 'Remove a DNS provider',
          tags: TAG,
          params: dnsProviderParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteDnsProvider(ctx, callerOf(request), request.params.dnsProviderId);
        return reply.status(204).send(null);
      },
    );
  };
}
