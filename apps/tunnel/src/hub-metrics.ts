import type { HubPeer } from '@rustronaut/contracts';
import type { Registry } from '@rustronaut/observability';
import type { PeerStats } from '@rustronaut/wireguard';
import { Counter, Gauge } from 'prom-client';

const LABELS = ['kind', 'id', 'name'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

/** The hub's Prometheus metrics, fed from each read of the device. */
export interface HubMetrics {
  /** Records the statistics of one device read; `peers` names each public key (a site or a device). */
  observe(stats: readonly PeerStats[], peers: ReadonlyMap<string, HubPeer>): void;
  /** Counts a restart of the device process. */
  deviceRestarted(): void;
}

/**
 * Per-peer metrics labelled with the peer's kind (`site`, `device`), id and name:
 * `rustronaut_tunnel_peer_last_handshake_timestamp_seconds` (0 before the first handshake),
 * `rustronaut_tunnel_peer_receive_bytes_total` and `..._transmit_bytes_total` (monotonic across device restarts,
 * from the peer statistics tracker), and `rustronaut_tunnel_peers` and `rustronaut_tunnel_device_restarts_total`.
 * A peer that left the device leaves the metrics too.
 */
export function createHubMetrics(registry: Registry): HubMetrics {
  const registers = [registry];
  const handshake = new Gauge({
    name: 'rustronaut_tunnel_peer_last_handshake_timestamp_seconds',
    help: 'Time of the last WireGuard handshake with the peer (seconds since the epoch); 0 before the first.',
    labelNames: LABELS,
    registers,
  });
  const received = new Counter({
    name: 'rustronaut_tunnel_peer_receive_bytes_total',
    help: 'Bytes received from the peer through the tunnel.',
    labelNames: LABELS,
    registers,
  });
  const sent = new Counter({
    name: 'rustronaut_tunnel_peer_transmit_bytes_total',
    help: 'Bytes sent to the peer through the tunnel.',
    labelNames: LABELS,
    registers,
  });
  const peerCount = new Gauge({
    name: 'rustronaut_tunnel_peers',
    help: 'Peers configured on the hub, by kind.',
    labelNames: ['kind'],
    registers,
  });
  const restarts = new Counter({
    name: 'rustronaut_tunnel_device_restarts_total',
    help: 'Times the supervised WireGuard device process was restarted.',
    registers,
  });
  /** The totals already added to the counters, and the labels, by public key. */
  let seen = new Map<string, { labels: Labels; rx: bigint; tx: bigint }>();

  return {
    observe(stats, peers) {
      const next = new Map<string, { labels: Labels; rx: bigint; tx: bigint }>();
      const counts = { site: 0, device: 0 };
      for (const peer of stats) {
        const known = peers.get(peer.publicKey);
        if (known === undefined) continue;
        counts[known.kind]++;
        const labels: Labels = { kind: known.kind, id: known.id, name: known.name };
        const before = seen.get(peer.publicKey);
        if (before !== undefined && before.labels.name !== labels.name) forget(before.labels);
        const base = before !== undefined && before.labels.name === labels.name ? before : { rx: 0n, tx: 0n };
        received.inc(labels, Number(peer.rxBytes - base.rx));
        sent.inc(labels, Number(peer.txBytes - base.tx));
        handshake.set(labels, peer.lastHandshake === undefined ? 0 : peer.lastHandshake.getTime() / 1000);
        next.set(peer.publicKey, { labels, rx: peer.rxBytes, tx: peer.txBytes });
      }
      for (const [key, old] of seen) if (!next.has(key)) forget(old.labels);
      seen = next;
      peerCount.set({ kind: 'site' }, counts.site);
      peerCount.set({ kind: 'device' }, counts.device);
    },
    deviceRestarted: () => restarts.inc(),
  };

  function forget(labels: Labels) {
    handshake.remove(labels);
    received.remove(labels);
    sent.remove(labels);
  }
}
