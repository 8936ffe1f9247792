import type { PeerState } from '../src/uapi/types.js';

/** A peer as a device reports it: a fresh one (nothing learnt, no traffic), with `fields` over it. */
export function peerState(publicKey: string, fields: Partial<PeerState> = {}): PeerState {
  return {
    publicKey,
    presharedKey: undefined,
    endpoint: undefined,
    allowedIps: [],
    lastHandshake: undefined,
    rxBytes: 0n,
    txBytes: 0n,
    persistentKeepaliveInterval: 0,
    protocolVersion: 1,
    ...fields,
  };
}
