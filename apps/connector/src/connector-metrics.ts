import type { Registry } from '@rustronaut/observability';
import { Counter, Gauge } from 'prom-client';

/** The connector's Prometheus metrics, on its ops listener (`connector.opsListen`). */
export interface ConnectorMetrics {
  /**
   * The hub's last handshake (undefined: none yet) and each target's health as the last check saw it, in the
   * heartbeat's fields (`target:<name>`: `up` or `down`).
   */
  observe(lastHandshake: Date | undefined, health: Readonly<Record<string, 'up' | 'down'>>): void;
  /** The supervised WireGuard device was restarted. */
  deviceRestarted(): void;
}

/**
 * `rustronaut_connector_hub_last_handshake_timestamp_seconds` (0 before the first),
 * `rustronaut_connector_target_up{target}` (1 or 0; a target no longer configured leaves), and
 * `rustronaut_connector_device_restarts_total`.
 */
export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  const registers = [registry];
  const handshake = new Gauge({
    name: 'rustronaut_connector_hub_last_handshake_timestamp_seconds',
    help: 'Time of the last WireGuard handshake with the tunnel hub (seconds since the epoch); 0 before the first.',
    registers,
  });
  const targetUp = new Gauge({
    name: 'rustronaut_connector_target_up',
    help: 'Whether the target accepted a TCP connection at the last check (1) or not (0).',
    labelNames: ['target'],
    registers,
  });
  const restarts = new Counter({
    name: 'rustronaut_connector_device_restarts_total',
    help: 'Times the supervised WireGuard device process was restarted.',
    registers,
  });
  return {
    observe(lastHandshake, health) {
      handshake.set(lastHandshake === undefined ? 0 : lastHandshake.getTime() / 1000);
      targetUp.reset();
      for (const [field, state] of Object.entries(health)) {
        targetUp.set({ target: field.replace(/^target:/, '') }, state === 'up' ? 1 : 0);
      }
    },
    deviceRestarted: () => restarts.inc(),
  };
}
