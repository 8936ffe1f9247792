import type { Registry } from '@rustronaut/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Methods kept as label values; anything else is counted as OTHER so clients cannot explode cardinality. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Label value for a request method. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : 'OTHER';
}

/** The gateway's metric families (names are part of the monitoring contract: deploy/monitoring uses them). */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'rustronaut_gateway_requests_total',
      help: 'HTTP requests answered, by route (`none` when no route matched), method and status code.',
      labelNames: ['route', 'method', 'code'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'rustronaut_gateway_request_duration_seconds',
      help: 'Time from request to the end of the response, by route.',
      labelNames: ['route'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    upstreamHealthy: new Gauge({
      name: 'rustronaut_gateway_upstream_healthy',
      help: '1 when the upstream is in rotation, 0 when health checks or passive ejection took it out.',
      labelNames: ['route', 'upstream'] as const,
      registers,
    }),
    activeConnections: new Gauge({
      name: 'rustronaut_gateway_active_connections',
      help: 'Open client connections, by listener.',
      labelNames: ['listener'] as const,
      registers,
    }),
    receivedBytes: new Counter({
      name: 'rustronaut_gateway_received_bytes_total',
      help: 'Bytes received from clients, by listener (counted when a connection closes).',
      labelNames: ['listener'] as const,
      registers,
    }),
    sentBytes: new Counter({
      name: 'rustronaut_gateway_sent_bytes_total',
      help: 'Bytes sent to clients, by listener (counted when a connection closes).',
      labelNames: ['listener'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'rustronaut_gateway_rate_limited_total',
      help: 'Requests refused with 429 by a rate limit, by route.',
      labelNames: ['route'] as const,
      registers,
    }),
    tcpConnections: new Counter({
      name: 'rustronaut_gateway_tcp_connections_total',
      help: 'TCP proxy connections, by listener and outcome.',
      labelNames: ['listener', 'outcome'] as const,
      registers,
    }),
    configVersion: new Gauge({
      name: 'rustronaut_gateway_config_version',
      help: 'Version of the configuration in use (increments on every successful reload).',
      registers,
    }),
    configLastReload: new Gauge({
      name: 'rustronaut_gateway_config_last_reload_timestamp_seconds',
      help: 'Unix time of the last successful configuration load.',
      registers,
    }),
    configReloads: new Counter({
      name: 'rustronaut_gateway_config_reloads_total',
      help: 'Configuration reload attempts, by result (success or failure).',
      labelNames: ['result'] as const,
      registers,
    }),
  };
}

/** The gateway's metric families. */
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
