import { createMetricsRegistry } from '@rustronaut/observability';
import { describe, expect, it } from 'vitest';
import { createConnectorMetrics } from './connector-metrics.js';

describe('createConnectorMetrics', () => {
  it('exports the last handshake, each target up or down (forgetting removed ones) and device restarts', async () => {
    const registry = createMetricsRegistry({ role: 'connector', version: 'test', defaultMetrics: false });
    const metrics = createConnectorMetrics(registry);
    metrics.observe(undefined, { 'target:web': 'up', 'target:db': 'down' });
    let text = await registry.metrics();
    expect(text).toMatch(/^rustronaut_connector_hub_last_handshake_timestamp_seconds 0$/m);
    expect(text).toMatch(/^rustronaut_connector_target_up\{target="web"\} 1$/m);
    expect(text).toMatch(/^rustronaut_connector_target_up\{target="db"\} 0$/m);
    expect(text).toMatch(/^rustronaut_connector_device_restarts_total 0$/m);

    metrics.observe(new Date('2026-11-28T12:00:00.500Z'), { 'target:web': 'down' });
    metrics.deviceRestarted();
    text = await registry.metrics();
    expect(text).toMatch(/^rustronaut_connector_hub_last_handshake_timestamp_seconds 1795867200\.5$/m);
    expect(text).toMatch(/^rustronaut_connector_target_up\{target="web"\} 0$/m);
    expect(text).not.toContain('target="db"');
    expect(text).toMatch(/^rustronaut_connector_device_restarts_total 1$/m);
  });
});
