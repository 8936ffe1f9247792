import { describe, expect, it } from 'vitest';
import { peerState } from '../../test/peer-state.js';
import { generateKeyPair } from '../keys.js';
import type { DeviceState, PeerState } from '../uapi/types.js';
import { createPeerStatsTracker } from './peer-stats.js';

const a = generateKeyPair().publicKey;
const b = generateKeyPair().publicKey;

function peer(publicKey: string, rx: bigint, tx: bigint, handshake?: number): PeerState {
  const lastHandshake = handshake === undefined ? undefined : new Date(handshake * 1000);
  return peerState(publicKey, { lastHandshake, rxBytes: rx, txBytes: tx });
}

const read = (...peers: PeerState[]): DeviceState => ({ publicKey: undefined, listenPort: 1, fwmark: 0, peers });

describe('createPeerStatsTracker', () => {
  it('starts from the device counters and adds what each read brings', () => {
    const tracker = createPeerStatsTracker();
    expect(tracker.observe(read(peer(a, 100n, 50n, 1000)))).toEqual([
      { publicKey: a, lastHandshake: new Date(1_000_000), rxBytes: 100n, txBytes: 50n, resets: 0 },
    ]);
    expect(tracker.observe(read(peer(a, 300n, 80n, 1100)))).toEqual([
      { publicKey: a, lastHandshake: new Date(1_100_000), rxBytes: 300n, txBytes: 80n, resets: 0 },
    ]);
  });

  it('keeps counting across a device restart seen as counters going backwards', () => {
    const tracker = createPeerStatsTracker();
    tracker.observe(read(peer(a, 1000n, 500n, 1000)));
    // Restarted: counters from zero, no handshake yet. The totals keep what was counted, the handshake stays.
    expect(tracker.observe(read(peer(a, 40n, 600n)))[0]).toEqual({
      publicKey: a,
      lastHandshake: new Date(1_000_000),
      rxBytes: 1040n,
      txBytes: 1100n,
      resets: 1,
    });
    expect(tracker.observe(read(peer(a, 60n, 700n, 1200)))[0]).toMatchObject({
      lastHandshake: new Date(1_200_000),
      rxBytes: 1060n,
      txBytes: 1200n,
      resets: 1,
    });
  });

  it('counts everything after deviceRestarted(), even counters already past the old ones', () => {
    const tracker = createPeerStatsTracker();
    tracker.observe(read(peer(a, 10n, 10n)));
    tracker.deviceRestarted();
    expect(tracker.observe(read(peer(a, 5000n, 20n)))[0]).toMatchObject({ rxBytes: 5010n, txBytes: 30n, resets: 1 });
    // Only the next read: later ones are deltas again.
    expect(tracker.observe(read(peer(a, 5001n, 20n)))[0]).toMatchObject({ rxBytes: 5011n, txBytes: 30n, resets: 1 });
  });

  it('works at the top of the 64-bit range, with bigint all the way', () => {
    const tracker = createPeerStatsTracker();
    const max = 0xffff_ffff_ffff_ffffn;
    tracker.observe(read(peer(a, max - 1n, 0n)));
    tracker.observe(read(peer(a, 7n, 0n)));
    expect(tracker.observe(read(peer(a, 8n, 0n)))[0]!.rxBytes).toBe(max + 7n);
  });

  it('tracks peers independently, in the device order, and forgets a removed peer', () => {
    const tracker = createPeerStatsTracker();
    tracker.observe(read(peer(a, 10n, 10n), peer(b, 20n, 20n)));
    expect(tracker.observe(read(peer(b, 25n, 20n), peer(a, 1n, 1n))).map((s) => [s.publicKey, s.rxBytes])).toEqual([
      [b, 25n],
      [a, 11n],
    ]);
    tracker.observe(read(peer(b, 25n, 20n)));
    // a came back (re-created): its counts start over from what the device says.
    expect(tracker.observe(read(peer(a, 3n, 3n), peer(b, 25n, 20n)))[0]).toMatchObject({ rxBytes: 3n, resets: 0 });
  });

  it('never reports an older handshake than one already seen', () => {
    const tracker = createPeerStatsTracker();
    tracker.observe(read(peer(a, 0n, 0n, 2000)));
    expect(tracker.observe(read(peer(a, 0n, 0n, 1000)))[0]!.lastHandshake).toEqual(new Date(2_000_000));
  });
});
