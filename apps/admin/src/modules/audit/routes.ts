import {
  auditEventView,
  auditFilterQuery,
  auditVerifyQuery,
  auditVerifyReport,
  orgParams,
} from '@rustronaut/contracts';
import { auditEvents } from '@rustronaut/db';
import { eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import { verifyAuditChains } from '../../audit/verify-audit.js';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { requireUser } from '../../plugins/authenticate.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { auditConditions, exportAuditEvents, listAuditEvents } from './service.js';
import { auditEventViewOf } from './view.js';

const TAG = ['audit'];

/** `GET /api/v1/orgs/:orgId/audit` query: the filters plus page size and cursor. */
const auditListQuery = paginationQuery.extend(auditFilterQuery.shape);

/** The org's audit log: query (newest first), NDJSON export (oldest first) and hash chain verification. */
export function auditRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/audit',
      {
        ...orgRoute(ctx, 'audit:read'),
        schema: {
          summary: 'Audit events of the organisation, newest first',
          tags: TAG,
          params: orgParams,
          querystring: auditListQuery,
          response: { 200: pageSchema(auditEventView) },
        },
      },
      async (request) => {
        const { limit, cursor, ...filters } = request.query;
        const before = cursorId(cursor);
        const conditions = auditConditions(requireOrg(request).id, filters);
        const rows = await listAuditEvents(ctx.db, conditions, { limit, before });
        return pageOf(rows, limit, auditEventViewOf);
      },
    );

    r.get(
      '/api/v1/me/audit',
      {
        schema: {
          summary: 'My own account events (sign-ins, failed sign-ins, sessions, second factor), newest first',
          tags: TAG,
          querystring: paginationQuery,
          response: { 200: pageSchema(auditEventView) },
        },
      },
      async (request) => {
        const { userId } = requireUser(request);
        const { limit, cursor } = request.query;
        // Events outside any org whose actor is this user (a failed sign-in of an existing account is too).
        const conditions = [
          isNull(auditEvents.orgId),
          eq(auditEvents.actorType, 'user'),
          eq(auditEvents.actorId, userId),
        ];
        const rows = await listAuditEvents(ctx.db, conditions, { limit, before: cursorId(cursor) });
        return pageOf(rows, limit, auditEventViewOf);
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/audit/export',
      {
        ...orgRoute(ctx, 'audit:read'),
        schema: {
          summary: 'Export audit events as NDJSON, oldest first',
          description: 'Streams every matching event, one JSON object (an audit event) per line.',
          tags: TAG,
          params: orgParams,
          querystring: auditFilterQuery,
          response: {
            200: {
              description: 'One audit event per line (`application/x-ndjson`).',
              content: { 'application/x-ndjson': { schema: auditEventView } },
            },
          },
        },
      },
      async (request, reply) => {
        const orgId = requireOrg(request).id;
        // Checked before the first byte: once streaming, an error can only cut the response short.
        const conditions = auditConditions(orgId, request.query);
        const lines = async function* () {
          for await (const row of exportAuditEvents(ctx.db, conditions)) {
            yield `${JSON.stringify(auditEventViewOf(row))}\n`;
          }
        };
        const stamp = ctx.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
        // The schema documents each line; the body is a stream, which Fastify sends as it is, unserialised.
        return (reply as FastifyReply)
          .type('application/x-ndjson; charset=utf-8')
          .header('content-disposition', `attachment; filename="audit-${orgId}-${stamp}.ndjson"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(lines()));
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/audit/verify',
      {
        ...orgRoute(ctx, 'audit:read'),
        schema: {
          summary: "Verify the organisation's audit hash chain",
          description:
            'Walks the whole chain; `ok` is false and `problems` names each changed, deleted or unlinked event.',
          tags: TAG,
          params: orgParams,
          querystring: auditVerifyQuery,
          response: { 200: auditVerifyReport },
        },
      },
      async (request) => verifyAuditChains(ctx.db, { orgId: requireOrg(request).id }),
    );
  };
}
