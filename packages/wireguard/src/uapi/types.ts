import type { Endpoint } from '../ip.js';

/**
 * One `set=1` operation on a device: a change, not a whole configuration. A field left out leaves the device's
 * value as it is. Keys are in WireGuard's base64 form; the codec sends them in hex.
 */
export interface DeviceConfig {
  /** The interface's private key; `null` removes it (UAPI sends all zeros). */
  readonly privateKey?: string | null;
  /** UDP port to listen on, 0-65535; 0 lets the device pick one. */
  readonly listenPort?: number;
  /** Mark on outgoing packets, 0-4294967295; 0 removes it. */
  readonly fwmark?: number;
  /** Remove every peer before applying `peers`. Drops live sessions: not for routine changes. */
  readonly replacePeers?: boolean;
  /** Peers to add, change or remove, in order. */
  readonly peers?: readonly PeerConfig[];
}

/** The change to one peer within a {@link DeviceConfig}. A peer that does not exist is created. */
export interface PeerConfig {
  /** The peer's public key: which peer this change is about. */
  readonly publicKey: string;
  /** Remove the peer. No other field may be set with it. */
  readonly remove?: boolean;
  /** Change the peer only if it exists; never create it. */
  readonly updateOnly?: boolean;
  /** Preshared key; `null` removes it (UAPI sends all zeros). */
  readonly presharedKey?: string | null;
  /** Where to send packets until the peer roams; an IP literal (resolve host names first). */
  readonly endpoint?: Endpoint;
  /** Seconds between keepalives, 0-65535; 0 turns them off. */
  readonly persistentKeepaliveInterval?: number;
  /** Drop the peer's allowed IPs before adding `allowedIps` (with no `allowedIps`: leave it none). */
  readonly replaceAllowedIps?: boolean;
  /** Prefixes to add to the peer's allowed IPs; an address without `/length` is a host prefix. */
  readonly allowedIps?: readonly string[];
}

/** What a device reports on `get=1`. The private key is reduced to its public key, so a logged state leaks none. */
export interface DeviceState {
  /** The interface's public key, derived from its private key (boringtun reports it directly); none when unset. */
  readonly publicKey: string | undefined;
  /** The UDP port the device listens on; undefined when it reports none (not bound). */
  readonly listenPort: number | undefined;
  /** The mark on outgoing packets; 0 when none. */
  readonly fwmark: number;
  /** The peers, in the device's order. */
  readonly peers: readonly PeerState[];
}

/** One peer as the device reports it. */
export interface PeerState {
  /** The peer's public key (base64). */
  readonly publicKey: string;
  /** The preshared key (base64); undefined when none. Kept so a reconciler can compare it; never log it. */
  readonly presharedKey: string | undefined;
  /** The current endpoint (configured or learnt from the peer's packets); undefined when none yet. */
  readonly endpoint: Endpoint | undefined;
  /** Allowed IPs, canonical (see `canonicalCidr`), in the device's order. */
  readonly allowedIps: readonly string[];
  /** Time of the last completed handshake; undefined when there was none. */
  readonly lastHandshake: Date | undefined;
  /** Bytes received from the peer (64-bit counter). */
  readonly rxBytes: bigint;
  /** Bytes sent to the peer (64-bit counter). */
  readonly txBytes: bigint;
  /** Seconds between keepalives; 0 when off. */
  readonly persistentKeepaliveInterval: number;
  /** The protocol version the device reports (1); undefined when it reports none (boringtun). */
  readonly protocolVersion: number | undefined;
}
