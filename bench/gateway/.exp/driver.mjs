import { loadConfig } from '@rustronaut/config';
import { createLogger, createMetricsRegistry } from '@rustronaut/observability';
import { pino } from 'pino';
import { startGateway } from './dist/index.js';
const config = loadConfig({ env: process.env, cwd: process.cwd() });
const logger = process.env.EXP_NO_REDACT
  ? pino({ level: 'info', base: undefined }, pino.destination({ fd: 1, sync: false })).child({ role: 'gateway' })
  : createLogger({ ...config.log }).child({ role: 'gateway' });
const metrics = createMetricsRegistry({ role: 'gateway', version: 'x' });
const gw = await startGateway({ config, logger, metrics, file: process.argv[2] });
process.once('SIGTERM', () => void gw.close().then(() => process.exit(0)));
