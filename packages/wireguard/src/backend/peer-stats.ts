import type { DeviceState } from '../uapi/types.js';
import type { PeerStats, PeerStatsTracker } from './types.js';

/** What the tracker remembers of a peer between reads. */
interface Tracked {
  /** The device's counters at the last read. */
  deviceRx: bigint;
  deviceTx: bigint;
  /** The accumulated totals reported. */
  rx: bigint;
  tx: bigint;
  lastHandshake: Date | undefined;
  resets: number;
}

/**
 * A {@link PeerStatsTracker}: per-peer rx/tx totals that survive device restarts. Each read adds what the device
 * counted since the previous one; when its counters went backwards (or `deviceRestarted()` was called), all it
 * reports now is new. Pure bookkeeping, no I/O: feed it `backend.read()` results.
 */
export function createPeerStatsTracker(): PeerStatsTracker {
  let peers = new Map<string, Tracked>();
  let restarted = false;
  return {
    observe(state: DeviceState): readonly PeerStats[] {
      const next = new Map<string, Tracked>();
      const stats = state.peers.map((peer): PeerStats => {
        let tracked = peers.get(peer.publicKey);
        if (tracked === undefined) {
          tracked = { deviceRx: 0n, deviceTx: 0n, rx: 0n, tx: 0n, lastHandshake: undefined, resets: 0 };
        } else if (restarted || peer.rxBytes < tracked.deviceRx || peer.txBytes < tracked.deviceTx) {
          // The device counts from zero again: everything it reports is new.
          tracked.deviceRx = 0n;
          tracked.deviceTx = 0n;
          tracked.resets++;
        }
        tracked.rx += peer.rxBytes - tracked.deviceRx;
        tracked.tx += peer.txBytes - tracked.deviceTx;
        tracked.deviceRx = peer.rxBytes;
        tracked.deviceTx = peer.txBytes;
        if (
          peer.lastHandshake !== undefined &&
          (tracked.lastHandshake === undefined || peer.lastHandshake > tracked.lastHandshake)
        ) {
          tracked.lastHandshake = peer.lastHandshake;
        }
        next.set(peer.publicKey, tracked);
        const { rx, tx, lastHandshake, resets } = tracked;
        return { publicKey: peer.publicKey, lastHandshake, rxBytes: rx, txBytes: tx, resets };
      });
      peers = next;
      restarted = false;
      return stats;
    },
    deviceRestarted(): void {
      restarted = true;
    },
  };
}
