import {
  auditEventView,
  monitorStreamQuery,
  monitorSummary,
  monitorSummaryQuery,
  orgParams,
} from '@rustronaut/contracts';
import { errors } from '@rustronaut/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AdminContext } from '../../context.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { auditEventViewOf } from '../audit/view.js';
import { createAuditFeed } from './audit-feed.js';
import { monitorSummaryOf } from './summary.js';

const TAG = ['monitor'];

/** Options of {@link monitorRoutes}; tests shorten the times. */
export interface MonitorRoutesOptions {
  /** Poll interval of the audit log per watched organisation; default 300 ms. */
  readonly pollMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream; default 15 s. */
  readonly heartbeatMs?: number;
  /**
   * A stream ends after this long; the browser's EventSource reconnects at once with `Last-Event-ID`, which
   * authenticates the caller again (a revoked session stops watching within this time). Default 5 minutes.
   */
  readonly maxStreamMs?: number;
}

/** Whether the Accept header allows `text/event-stream` (RFC 9110 §12.5.1; `q=0` refuses it). */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return type === 'text/event-stream' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** The seq a resuming EventSource sends back in `Last-Event-ID`, when it is one. */
function lastEventSeq(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  return typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/**
 * `/api/v1/orgs/:orgId/monitor`: the live stream of the org's audit events (the gateway's access decisions,
 * tunnel events and every change) as server-sent events, and a summary of recent traffic for the dashboard.
 */
export function monitorRoutes(ctx: AdminContext, options: MonitorRoutesOptions = {}) {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxStreamMs = options.maxStreamMs ?? 5 * 60_000;
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const feed = createAuditFeed(ctx.db, {
      ...(options.pollMs === undefined ? {} : { intervalMs: options.pollMs }),
      onError: (err) => ctx.logger.warn({ err }, 'monitor: reading new audit events failed; retrying'),
    });
    const open = new Set<() => void>();
    // Before the server waits for open connections to finish: end every stream, or shutdown would wait forever.
    app.addHook('preClose', (done) => {
      for (const end of open) end();
      feed.close();
      done();
    });

    r.get(
      '/api/v1/orgs/:orgId/monitor/stream',
      {
        ...orgRoute(ctx, 'audit:read'),
        schema: {
          summary: 'Live audit events of the organisation (server-sent events)',
          description:
            'Send `Accept: text/event-stream` (406 otherwise). Each new audit event of the organisation arrives as an `audit` event whose `id` is its `seq` and whose data is the event as JSON; access decisions of the gateway are `access.allowed` / `access.denied`. A comment line is sent every 15 s; the stream ends after 5 minutes and EventSource resumes it with `Last-Event-ID`, replaying what it missed.',
          tags: TAG,
          params: orgParams,
          querystring: monitorStreamQuery,
          response: {
            200: {
              description: 'Server-sent events (`text/event-stream`), one audit event each.',
              content: { 'text/event-stream': { schema: auditEventView } },
            },
          },
        },
      },
      async (request, reply) => {
        if (!acceptsEventStream(request.headers.accept)) {
          throw errors.notAcceptable.create('this endpoint streams server-sent events: send Accept: text/event-stream');
        }
        const orgId = requireOrg(request).id;
        const res = (reply as FastifyReply).hijack().raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
        });
        res.write('retry: 1000\n\n');
        let unsubscribe: (() => void) | undefined;
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          clearInterval(heartbeat);
          clearTimeout(expiry);
          unsubscribe?.();
          open.delete(end);
          res.end();
        };
        const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
        const expiry = setTimeout(end, maxStreamMs);
        open.add(end);
        request.raw.on('close', end);
        res.on('close', end);
        try {
          const subscription = await feed.subscribe(
            orgId,
            (row) =>
              res.write(`id: ${String(row.seq)}\nevent: audit\ndata: ${JSON.stringify(auditEventViewOf(row))}\n\n`),
            lastEventSeq(request),
          );
          if (ended) subscription();
          else unsubscribe = subscription;
        } catch (err) {
          ctx.logger.warn({ err }, 'monitor: could not start a stream');
          end();
        }
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/monitor/summary',
      {
        ...orgRoute(ctx, 'audit:read'),
        schema: {
          summary: "Recent traffic of the organisation's gateways: requests/s, denials, errors, top resources",
          tags: TAG,
          params: orgParams,
          querystring: monitorSummaryQuery,
          response: { 200: monitorSummary },
        },
      },
      async (request) => monitorSummaryOf(ctx.db, requireOrg(request).id, ctx.now(), request.query.windowSeconds),
    );
  };
}
