import { createMetricsRegistry } from '@rustronaut/observability';
import type { HubPeer } from '@rustronaut/contracts';
import { describe, expect, it } from 'vitest';
import { createHubMetrics } from './hub-metrics.js';

const SITE_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const DEVICE_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const site: HubPeer = {
  id: '0190a1b2-0000-7000-8000-000000000001',
  kind: 'site',
  name: 'lab',
  publicKey: SITE_KEY,
  allowedIps: ['100.96.0.2/32'],
  reach: [],
};
const device: HubPeer = {
  ...site,
  id: '0190a1b2-0000-7000-8000-000000000002',
  kind: 'device',
  name: 'laptop',
  publicKey: DEVICE_KEY,
};
const peers = new Map([
  [SITE_KEY, site],
  [DEVICE_KEY, device],
]);
const labels = `kind="site",id="${site.id}",name="lab"`;

describe('createHubMetrics', () => {
  it('exports handshakes and byte counters per peer, counting only what is new, and forgets peers that left', async () => {
    const registry = createMetricsRegistry({ role: 'tunnel', version: 'test', defaultMetrics: false });
    const metrics = createHubMetrics(registry);
    const at = new Date('2026-11-28T12:00:00Z');
    metrics.observe(
      [
        { publicKey: SITE_KEY, lastHandshake: at, rxBytes: 100n, txBytes: 40n, resets: 0 },
        { publicKey: DEVICE_KEY, lastHandshake: undefined, rxBytes: 0n, txBytes: 0n, resets: 0 },
      ],
      peers,
    );
    metrics.observe([{ publicKey: SITE_KEY, lastHandshake: at, rxBytes: 250n, txBytes: 40n, resets: 0 }], peers);
    metrics.deviceRestarted();
    const text = await registry.metrics();
    expect(text).toContain(
      `rustronaut_tunnel_peer_last_handshake_timestamp_seconds{${labels}} ${String(at.getTime() / 1000)}`,
    );
    expect(text).toContain(`rustronaut_tunnel_peer_receive_bytes_total{${labels}} 250`);
    expect(text).toContain(`rustronaut_tunnel_peer_transmit_bytes_total{${labels}} 40`);
    expect(text).toContain('rustronaut_tunnel_peers{kind="site"} 1');
    expect(text).toContain('rustronaut_tunnel_peers{kind="device"} 0');
    expect(text).toContain('rustronaut_tunnel_device_restarts_total 1');
    // The device left in the second read: its series are gone.
    expect(text).not.toContain('name="laptop"');
  });
});
