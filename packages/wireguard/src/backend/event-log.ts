import type { BackendEvent } from './types.js';

/** The part of a logger (pino's) that {@link logBackendEvent} uses. */
export interface EventLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * Logs what a backend did or found on its own: a device that died (warn), was restarted (info), failed to restart
 * (warn), or has too small a UDP socket buffer (warn).
 */
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
      return;
    case 'udp-buffer-small':
      logger.warn(
        { receiveBufferBytes: event.receiveBufferBytes, recommendedBytes: event.recommendedBytes },
        `wireguard-go's UDP socket buffer is small and drops packets under load: on the host, set net.core.rmem_default and net.core.wmem_default to ${String(event.recommendedBytes)} (sysctl), then restart, or use the kernel backend (docs/tunnels.md)`,
      );
  }
}
