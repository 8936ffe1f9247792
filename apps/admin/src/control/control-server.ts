import { explainListenError } from '@rustronaut/config';
import {
  accessEventsRequest,
  accessRedeemRequest,
  accessRedeemResponse,
  configSnapshot,
  heartbeatRequest,
  hubReportRequest,
} from '@rustronaut/contracts';
import { gateways, sites } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, eq } from 'drizzle-orm';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { redeemAccessCode } from '../access/access-codes.js';
import { recordAccessEvents } from '../access/record-access-events.js';
import type { AdminContext } from '../context.js';
import { registerErrorHandling } from '../plugins/errors.js';
import { buildSnapshot } from './build-snapshot.js';
import { controlCa, fingerprintOf } from './control-ca.js';
import { controlServerNames, controlUrlOf } from './control-url.js';
import { openEventStream, type EventStream } from './event-stream.js';
import { recordHubReport } from './hub-report.js';
import { buildHubSnapshot, buildSiteSnapshot } from './tunnel-snapshot.js';
import { parsePool } from '@rustronaut/wireguard';
import { createVersionWatch } from './version-watch.js';

/** The running control listener. */
export interface ControlServer {
  /** Base URL agents dial (`https://host:port`), as enrolment hands it out. */
  readonly url: string;
  /** Bound port. */
  readonly port: number;
  /** Ends the push streams, stops polling and closes the listener. */
  close(): Promise<void>;
}

/** Options for tests; production uses the defaults. */
export interface ControlServerOptions {
  /** Base URL of the admin API as browsers reach it (the login page's); known once the API listens. */
  readonly adminUrl?: () => string;
  /** How often `config_versions` is polled while streams are open; default 500 ms. */
  readonly pollMs?: number;
  /** Interval of the SSE keepalive comment (and of re-checking the agent); default 15 s. */
  readonly keepaliveMs?: number;
}

/** Agent requests are JSON documents: a heartbeat, a code, or a batch of up to 1000 access events. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/** An agent, as identified by its client certificate: a gateway, a tunnel hub or a site's connector. */
interface Agent {
  readonly kind: 'gateway' | 'hub' | 'site';
  /** The gateway's (or hub's) id, or the site's. */
  readonly id: string;
  readonly orgId: string;
  readonly fingerprint: string;
}

/** A gateway's identity for the access endpoints; 403 for a hub or a connector, which serve no users. */
function gatewayOnly(agent: Agent): { readonly orgId: string; readonly gatewayId: string } {
  if (agent.kind !== 'gateway') throw errors.forbidden.create('only a gateway signs users in and reports access');
  return { orgId: agent.orgId, gatewayId: agent.id };
}

/**
 * Starts the control channel on `admin.controlListen`: HTTPS that demands a client certificate from the built-in
 * CA (the TLS handshake refuses anything else), then identifies the agent by the certificate's SHA-256
 * fingerprint, which must still belong to a gateway, tunnel hub or site (a deleted or re-enrolled one gets 401).
 * Endpoints: `GET /v1/snapshot` (routes for a gateway, peers for a hub, address, hub and targets for a connector),
 * `GET /v1/stream` (server-sent `version` events), `POST /v1/heartbeat`, for gateways `POST /v1/access/redeem`
 * (a browser's one-time code for a session token) and `POST /v1/access/events` (access decisions for the audit
 * log), and for hubs `POST /v1/tunnel/report`.
 */
export async function startControlServer(
  ctx: AdminContext,
  options: ControlServerOptions = {},
): Promise<ControlServer> {
  const keepaliveMs = options.keepaliveMs ?? 15_000;
  const adminUrl =
    options.adminUrl ??
    (() => ctx.config.admin.publicUrl ?? `http://localhost:${String(ctx.config.admin.listen.port)}`);
  const logger = ctx.logger.child({ component: 'control' });
  const ca = await controlCa(ctx);
  const pool = parsePool(ctx.config.tunnel.pool);
  const server = await ca.issueServerCertificate(controlServerNames(ctx.config), ctx.now());
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    https: {
      key: server.keyPem,
      cert: server.certPem,
      ca: [ca.certPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    bodyLimit: BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    forceCloseConnections: true,
    // Heartbeats every 10 s per gateway would flood the log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  const watch = createVersionWatch({ db: ctx.db, changes: ctx.changes, logger, pollMs: options.pollMs });
  const streams = new Set<EventStream>();

  /** The agent behind the request's client certificate, or 401. */
  const identify = async (request: FastifyRequest): Promise<Agent> => {
    const socket = request.raw.socket as TLSSocket;
    const raw = socket.authorized ? socket.getPeerCertificate().raw : undefined;
    if (raw === undefined) throw errors.unauthenticated.create('a client certificate from the admin CA is required');
    const fingerprint = fingerprintOf(raw);
    const [gateway] = await ctx.db
      .select({ id: gateways.id, orgId: gateways.orgId, kind: gateways.kind })
      .from(gateways)
      .where(eq(gateways.certFingerprint, fingerprint));
    if (gateway !== undefined) {
      return { kind: gateway.kind === 'hub' ? 'hub' : 'gateway', id: gateway.id, orgId: gateway.orgId, fingerprint };
    }
    const [site] = await ctx.db
      .select({ id: sites.id, orgId: sites.orgId })
      .from(sites)
      .where(eq(sites.certFingerprint, fingerprint));
    if (site !== undefined) return { kind: 'site', id: site.id, orgId: site.orgId, fingerprint };
    throw errors.unauthenticated.create(
      'this certificate belongs to no gateway, hub or site (deleted, or enrolled again since): enrol with a new token',
    );
  };
  const stillEnrolled = async (agent: Agent) => {
    const table = agent.kind === 'site' ? sites : gateways;
    const [row] = await ctx.db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.id, agent.id), eq(table.certFingerprint, agent.fingerprint)));
    return row !== undefined;
  };
  const seen = async (
    agent: Agent,
    fields: { agentVersion?: string; configVersion?: number; status?: object } = {},
  ) => {
    if (agent.kind === 'site') {
      const { agentVersion, status } = fields;
      await ctx.db
        .update(sites)
        .set({ agentVersion, status: status as Record<string, unknown> | undefined, lastSeenAt: ctx.now() })
        .where(and(eq(sites.id, agent.id), eq(sites.certFingerprint, agent.fingerprint)));
      return;
    }
    await ctx.db
      .update(gateways)
      .set({ ...fields, status: fields.status as Record<string, unknown> | undefined, lastSeenAt: ctx.now() })
      .where(and(eq(gateways.id, agent.id), eq(gateways.certFingerprint, agent.fingerprint)));
  };

  app.get('/v1/snapshot', { schema: { response: { 200: configSnapshot } } }, async (request) => {
    const agent = await identify(request);
    if (agent.kind === 'hub') return buildHubSnapshot(ctx.db, agent.orgId, pool);
    if (agent.kind === 'site') return buildSiteSnapshot(ctx.db, agent.orgId, agent.id, pool);
    return buildSnapshot(ctx, agent.orgId, {
      adminUrl: adminUrl(),
      onSkip: (skipped) =>
        logger.warn(
          { orgId: agent.orgId, resource: skipped.id, name: skipped.name },
          `resource left out: ${skipped.reason}`,
        ),
    });
  });

  app.get('/v1/stream', async (request, reply) => {
    const agent = await identify(request);
    await seen(agent);
    const version = await watch.current(agent.orgId);
    void reply.hijack();
    let checking = false;
    const recheck = () => {
      if (checking) return;
      checking = true;
      stillEnrolled(agent)
        .then((ok) => {
          if (!ok) {
            logger.info({ agent: agent.id, kind: agent.kind }, 'push stream ended: the agent is no longer enrolled');
            stream.end();
          }
        })
        .catch((err: unknown) => logger.warn({ err }, 'control channel: cannot re-check an agent'))
        .finally(() => (checking = false));
    };
    const unsubscribe = watch.subscribe(agent.orgId, (v) => {
      recheck();
      stream.announce(v);
    });
    const timer = setInterval(() => {
      stream.keepalive();
      recheck();
    }, keepaliveMs).unref();
    const stream = openEventStream(reply.raw, () => {
      clearInterval(timer);
      unsubscribe();
      streams.delete(stream);
    });
    streams.add(stream);
    stream.announce(version);
  });

  app.post(
    '/v1/heartbeat',
    { schema: { body: heartbeatRequest, response: { 204: z.null() } } },
    async (request, reply) => {
      const agent = await identify(request);
      const { agentVersion, configVersion, status } = request.body;
      await seen(agent, { agentVersion, configVersion, status });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/access/redeem',
    { schema: { body: accessRedeemRequest, response: { 200: accessRedeemResponse } } },
    async (request) => redeemAccessCode(ctx, gatewayOnly(await identify(request)).orgId, request.body),
  );

  app.post(
    '/v1/access/events',
    { schema: { body: accessEventsRequest, response: { 204: z.null() } } },
    async (request, reply) => {
      await recordAccessEvents(ctx, gatewayOnly(await identify(request)), request.body.events);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/tunnel/report',
    { schema: { body: hubReportRequest, response: { 204: z.null() } } },
    async (request, reply) => {
      const agent = await identify(request);
      if (agent.kind !== 'hub') throw errors.forbidden.create('only a tunnel hub reports tunnel peers');
      await recordHubReport(ctx, agent, request.body);
      return reply.status(204).send(null);
    },
  );

  const { host, port } = ctx.config.admin.controlListen;
  try {
    await app.listen({ host: host || '::', port });
  } catch (err) {
    watch.close();
    await app.close();
    throw explainListenError(err as Error, 'admin.controlListen', ctx.config.admin.controlListen);
  }
  const bound = (app.server.address() as AddressInfo).port;
  const url = controlUrlOf(ctx.config, bound);
  logger.info({ url }, 'control channel listening (mutual TLS)');
  return {
    url,
    port: bound,
    close: async () => {
      watch.close();
      for (const s of streams) s.end();
      await app.close();
    },
  };
}
