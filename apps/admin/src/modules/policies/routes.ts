import {
  createPolicyRequest,
  explainRequest,
  explainResponse,
  orgParams,
  policyParams,
  policyView,
  updatePolicyRequest,
} from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { sourceOf } from '../change-source.js';
import { explainRules } from './explain.js';
import { createPolicy, deletePolicy, getPolicy, listPolicies, policyViewOf, updatePolicy } from './service.js';

const TAG = ['policies'];

/**
 * `/api/v1/orgs/:orgId/policies`: access policies (rules checked by the policy engine), and `explain`, which
 * answers what a policy decides for a given request. A policy id of another organisation answers 404.
 */
export function policyRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/policies',
      {
        ...orgRoute(ctx, 'policy:read'),
        schema: {
          summary: 'Access policies of an organisation',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(policyView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await listPolicies(ctx, requireOrg(request).id, cursorId(cursor), limit);
        return pageOf(rows, limit, policyViewOf);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/policies',
      {
        ...orgRoute(ctx, 'policy:create'),
        schema: {
          summary: 'Create an access policy',
          tags: TAG,
          params: orgParams,
          body: createPolicyRequest,
          response: { 201: policyView },
        },
      },
      async (request, reply) => {
        const row = await createPolicy(ctx, requireOrg(request).id, request.body, sourceOf(request));
        return reply.status(201).send(policyViewOf(row));
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/policies/:policyId',
      {
        ...orgRoute(ctx, 'policy:read'),
        schema: { summary: 'One access policy', tags: TAG, params: policyParams, response: { 200: policyView } },
      },
      async (request) => policyViewOf(await getPolicy(ctx, requireOrg(request).id, request.params.policyId)),
    );

    r.patch(
      '/api/v1/orgs/:orgId/policies/:policyId',
      {
        ...orgRoute(ctx, 'policy:update'),
        schema: {
          summary: 'Change an access policy',
          tags: TAG,
          params: policyParams,
          body: updatePolicyRequest,
          response: { 200: policyView },
        },
      },
      async (request) =>
        policyViewOf(
          await updatePolicy(ctx, requireOrg(request).id, request.params.policyId, request.body, sourceOf(request)),
        ),
    );

    r.delete(
      '/api/v1/orgs/:orgId/policies/:policyId',
      {
        ...orgRoute(ctx, 'policy:delete'),
        schema: {
          summary: 'Delete an access policy (refused while a resource uses it)',
          tags: TAG,
          params: policyParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deletePolicy(ctx, requireOrg(request).id, request.params.policyId, sourceOf(request));
        return reply.status(204).send(null);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/policies/:policyId/explain',
      {
        ...orgRoute(ctx, 'policy:read'),
        schema: {
          summary: 'What the policy decides for a request, and why',
          tags: TAG,
          params: policyParams,
          body: explainRequest,
          response: { 200: explainResponse },
        },
      },
      async (request) => {
        const policy = await getPolicy(ctx, requireOrg(request).id, request.params.policyId);
        return explainRules(policy.rules, false, request.body, ctx.now());
      },
    );
  };
}
