import { loadConfig, type Config } from '@rustronaut/config';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@rustronaut/observability';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';

/** Config, logger and metrics for one process, built once from the command's options. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** Loads the static configuration (throws ERR_CONFIG_INVALID) and builds the logger and metrics. */
export function createRuntime(io: CliIo, configFile: string | undefined, role: string): Runtime {
  const config = loadConfig({ env: io.env, configFile, cwd: io.cwd });
  // The real stdout gets pino's asynchronous writer (access logs must not block requests); tests pass a stream.
  const destination = io.stdout === process.stdout ? undefined : io.stdout;
  const logger = createLogger({ ...config.log, destination }).child({ role });
  const metrics = createMetricsRegistry({ role, version: VERSION });
  return { config, logger, metrics };
}

/**
 * Runs `start` steps in order, then waits for a shutdown signal and closes what was started,
 * last first. If a step fails, what already started is closed before the error propagates.
 */
export async function serveUntilSignal(
  io: CliIo,
  logger: Logger,
  steps: ReadonlyArray<() => Promise<{ close(): Promise<void> }>>,
  deadlineMs = 5000,
): Promise<void> {
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    for (const step of steps) started.push(await step());
  } catch (err) {
    await closeAll(started);
    throw err;
  }
  const signal = await io.waitForShutdown();
  logger.info({ signal }, 'shutting down');
  io.armShutdownDeadline(deadlineMs);
  await closeAll(started);
  logger.info('stopped');
}

async function closeAll(started: Array<{ close(): Promise<void> }>): Promise<void> {
  for (const s of started.reverse()) await s.close();
}
