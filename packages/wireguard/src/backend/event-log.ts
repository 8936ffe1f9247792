import type { BackendEvent } from './types.js';

/** The part of a logger (pino's) that {@link logBackendEvent} uses. */
export interface EventLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Logs what a backend did on its own: a device that died (warn), was restarted (info), or failed to restart (warn). */
export function logBackendEvent(logger: EventLogger, event: BackendEvent): void {
  switch (event.type) {
    case 'device-exited':
      logger.warn(
        { code: event.code, signal: event.signal, restartInMs: event.restartInMs },
        'WireGuard device died; restarting it',
      );
      return;
    case 'device-restarted':
      logger.info({ attempt: event.attempt }, 'WireGuard device restarted and re-configured');
      return;
    case 'restart-failed':
      logger.warn({ attempt: event.attempt, err: event.error }, 'WireGuard device restart failed; trying again');
  }
}
