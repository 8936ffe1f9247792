import { pino, type DestinationStream, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

/** Logger options, usually `config.log`. */
export interface LoggerOptions {
  /** Minimum level. */
  readonly level: string;
  /** `json`, `pretty`, or `auto` (pretty when the destination is a terminal). */
  readonly format: 'auto' | 'json' | 'pretty';
  /** Where to write; standard output by default. */
  readonly destination?: DestinationStream & { isTTY?: boolean };
}

/** Paths whose values are never logged, whatever the log level. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** How long a log line may wait in the stdout buffer before it is written. */
const FLUSH_INTERVAL_MS = 200;

/**
 * Standard output, written asynchronously in batches of at least 4 KiB (flushed every 200 ms and on exit):
 * one write per access-log line costs a third of the gateway's throughput.
 */
function bufferedStdout() {
  const destination = pino.destination({ fd: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      clearInterval(timer); // destroyed: the process is exiting
    }
  }, FLUSH_INTERVAL_MS).unref();
  return destination;
}

/** Creates the process logger: JSON lines, or readable output on a terminal. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? bufferedStdout();
  const isTTY = options.destination ? options.destination.isTTY === true : process.stdout.isTTY;
  const usePretty = options.format === 'pretty' || (options.format === 'auto' && isTTY);
  // pino-pretty is loaded only when used: JSON-logging processes (the gateway) should not pay for it.
  const pretty = usePretty ? (createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty) : undefined;
  const stream = pretty
    ? pretty({ destination, colorize: isTTY, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : destination;
  return pino(
    { level: options.level, base: undefined, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    stream,
  );
}

export type { Logger } from 'pino';
