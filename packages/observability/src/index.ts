export { createLogger, REDACTED_PATHS, type Logger, type LoggerOptions } from './logger.js';
export { createMetricsRegistry, type MetricsRegistryOptions, type Registry } from './metrics.js';
export { createOpsServer, type OpsState } from './ops-server.js';
