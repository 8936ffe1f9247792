import { createOrgRequest, orgParams, orgView, updateOrgRequest } from '@rustronaut/contracts';
import { memberships, newId, organizations, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { iso } from '../../http/views.js';
import { requireUser } from '../../plugins/authenticate.js';
import { auditActor, orgRoute, requireOrg } from '../../plugins/authorize.js';

const TAG = ['orgs'];

const view = (row: typeof organizations.$inferSelect) => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

/** Creates an organisation with `ownerId` as its owner (inside `tx`). */
export async function createOrg(
  tx: DrizzleDatabase,
  input: { name: string; slug: string; ownerId: string; ip?: string },
): Promise<typeof organizations.$inferSelect> {
  const id = newId();
  const [org] = await tx.insert(organizations).values({ id, name: input.name, slug: input.slug }).returning();
  await tx.insert(memberships).values({ orgId: id, userId: input.ownerId, roles: ['owner'] });
  await recordAudit(tx, {
    orgId: id,
    actor: { type: 'user', id: input.ownerId },
    action: 'org.create',
    targetType: 'org',
    targetId: id,
    ip: input.ip,
    data: { name: input.name, slug: input.slug },
  });
  if (org === undefined) throw new Error('insert returned no row');
  return org;
}

/** `GET|POST /api/v1/orgs` (the caller's organisations) and one organisation. */
export function orgRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs',
      {
        schema: {
          summary: 'Organisations I belong to',
          tags: TAG,
          querystring: paginationQuery,
          response: { 200: pageSchema(orgView) },
        },
      },
      async (request) => {
        const principal = requireUser(request);
        const { limit, cursor } = request.query;
        const after = cursorId(cursor);
        const rows = await ctx.db
          .select({ org: organizations })
          .from(memberships)
          .innerJoin(organizations, eq(organizations.id, memberships.orgId))
          .where(
            and(
              eq(memberships.userId, principal.userId),
              after === undefined ? undefined : gt(organizations.id, after),
            ),
          )
          .orderBy(asc(organizations.id))
          .limit(limit + 1);
        return pageOf(
          rows.map((row) => row.org),
          limit,
          view,
        );
      },
    );

    r.post(
      '/api/v1/orgs',
      {
        schema: {
          summary: 'Create an organisation (I become its owner)',
          tags: TAG,
          body: createOrgRequest,
          response: { 201: orgView },
        },
      },
      async (request, reply) => {
        const principal = requireUser(request);
        const org = await ctx.db.transaction((tx) =>
          createOrg(tx, { ...request.body, ownerId: principal.userId, ip: request.ip }),
        );
        return reply.status(201).send(view(org));
      },
    );

    r.get(
      '/api/v1/orgs/:orgId',
      {
        ...orgRoute(ctx, 'org:read'),
        schema: { summary: 'One organisation', tags: TAG, params: orgParams, response: { 200: orgView } },
      },
      async (request) => {
        const [org] = await ctx.db
          .select()
          .from(organizations)
          .where(eq(organizations.id, requireOrg(request).id));
        if (org === undefined) throw errors.notFound.create('no such organisation');
        return view(org);
      },
    );

    r.patch(
      '/api/v1/orgs/:orgId',
      {
        ...orgRoute(ctx, 'org:update'),
        schema: {
          summary: 'Rename an organisation',
          tags: TAG,
          params: orgParams,
          body: updateOrgRequest,
          response: { 200: orgView },
        },
      },
      async (request) => {
        const orgId = requireOrg(request).id;
        const org = await ctx.db.transaction(async (tx) => {
          const [row] = await tx
            .update(organizations)
            .set({ ...request.body, updatedAt: ctx.now() })
            .where(eq(organizations.id, orgId))
            .returning();
          await recordAudit(tx, {
            orgId,
            actor: auditActor(request),
            action: 'org.update',
            targetType: 'org',
            targetId: orgId,
            ip: request.ip,
            data: request.body,
          });
          return row;
        });
        if (org === undefined) throw errors.notFound.create('no such organisation');
        return view(org);
      },
    );

    r.delete(
      '/api/v1/orgs/:orgId',
      {
        ...orgRoute(ctx, 'org:delete'),
        schema: {
          summary: 'Delete an organisation and everything in it',
          tags: TAG,
          params: orgParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        const orgId = requireOrg(request).id;
        await ctx.db.transaction(async (tx) => {
          // The org's audit chain stays (it is append-only); this event closes it.
          await recordAudit(tx, {
            orgId,
            actor: auditActor(request),
            action: 'org.delete',
            targetType: 'org',
            targetId: orgId,
            ip: request.ip,
          });
          await tx.delete(organizations).where(eq(organizations.id, orgId));
        });
        ctx.changes.notify(orgId);
        return reply.status(204).send(null);
      },
    );
  };
}
