import type { Config } from '@rustronaut/config';
import type { Logger, Registry } from '@rustronaut/observability';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import { drain, listen } from './listen.js';
import { sendNoRoute } from './no-route.js';
import { createOpsServer } from './ops-server.js';

/** What starting a gateway needs. */
export interface GatewayOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** How long in-flight requests may run on shutdown before their connections are cut. */
  readonly drainMs?: number;
}

/** A running gateway. */
export interface RunningGateway {
  /** Bound port of the HTTP listener. */
  readonly httpPort: number;
  /** Bound port of the ops listener. */
  readonly opsPort: number;
  /** Marks the gateway not ready, drains the HTTP listener, then stops the ops listener. */
  close(): Promise<void>;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Starts the gateway's HTTP and ops listeners. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, metrics } = options;
  const logger = options.logger.child({ component: 'gateway' });
  const requests = new Counter({
    name: 'rustronaut_gateway_requests_total',
    help: 'Requests answered by the gateway, by status code.',
    labelNames: ['code'],
    registers: [metrics],
  });
  let ready = false;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    res.once('finish', () => requests.inc({ code: String(res.statusCode) }));
    sendNoRoute(req, res, requestId);
  };

  const http = createServer(handle);
  const ops = createOpsServer(metrics, { ready: () => ready });
  const opsPort = await listen(ops, config.gateway.opsListen, 'gateway.opsListen');
  let httpPort: number;
  try {
    httpPort = await listen(http, config.gateway.httpListen, 'gateway.httpListen');
  } catch (err) {
    await drain(ops, 0);
    throw err;
  }
  ready = true;
  logger.info({ httpPort, opsPort }, 'gateway listening');

  return {
    httpPort,
    opsPort,
    close: async () => {
      ready = false;
      await drain(http, options.drainMs ?? 3000);
      await drain(ops, 0);
    },
  };
}
