import type { Endpoint } from '../ip.js';
import type { DeviceState } from '../uapi/types.js';

/** Which implementation runs the interface: Go in userspace (through a TUN device) or the Linux kernel module. */
export type BackendKind = 'wireguard-go' | 'kernel';

/**
 * Where the interface's private key comes from. Never argv: a file (mode 0600, read as `wg set ... private-key`
 * reads it) or the key in memory, in WireGuard's base64 form (as {@link generateKeyPair} returns it).
 */
export type PrivateKeySource = { readonly file: string } | { readonly key: string };

/** The interface a backend brings up: what `ip` and the device's own key need, before any peer. */
export interface InterfaceSpec {
  /** Interface name, 1-15 characters of `A-Za-z0-9_=+.-`; unique on the host (`/var/run/wireguard` is shared). */
  readonly name: string;
  /** The interface's private key. */
  readonly privateKey: PrivateKeySource;
  /**
   * The interface's addresses with their prefix length (`100.96.0.1/16` on a hub, `100.96.0.7/32` on a site):
   * `ip address add` installs each, with the route to its prefix.
   */
  readonly addresses: readonly string[];
  /** Interface MTU, 1280-65535. Default 1420 (1500 minus WireGuard's IPv6 overhead, as wg-quick picks). */
  readonly mtu?: number;
  /** Further prefixes routed into the interface (`ip route replace PREFIX dev NAME`), beyond the addresses' own. */
  readonly routes?: readonly string[];
}

/** One peer as it should be: the whole desired state, not a change. */
export interface DesiredPeer {
  /** The peer's public key (base64): its identity. */
  readonly publicKey: string;
  /** Preshared key (base64); absent means none (an existing one is removed). */
  readonly presharedKey?: string;
  /**
   * Where to reach the peer: an IP literal (resolve host names first; re-resolve on reconnect). Absent means
   * "learn it from the peer's packets": an endpoint the device learnt is then left alone.
   */
  readonly endpoint?: Endpoint;
  /** Prefixes routed to this peer; compared as a set once canonical, so order and spelling do not matter. */
  readonly allowedIps: readonly string[];
  /** Seconds between keepalives, 1-65535, for a peer behind NAT; absent means off. */
  readonly persistentKeepalive?: number;
}

/** The whole desired state of a device's peers (and its port), for {@link WireGuardBackend.apply}. */
export interface DesiredDevice {
  /** UDP port to listen on, 1-65535; absent leaves the device's port (a random one after `up`). */
  readonly listenPort?: number;
  /** Mark on outgoing packets, 0-4294967295; absent leaves it as it is. */
  readonly fwmark?: number;
  /** Every peer the device should have; any other peer is removed. Public keys must be unique. */
  readonly peers: readonly DesiredPeer[];
}

/** What {@link WireGuardBackend.apply} changed. Untouched peers kept their sessions, handshakes and counters. */
export interface ApplyResult {
  /** Public keys of the peers created. */
  readonly added: readonly string[];
  /** Public keys of existing peers whose settings changed (only those peers were sent to the device). */
  readonly updated: readonly string[];
  /** Public keys of the peers removed. */
  readonly removed: readonly string[];
  /** How many peers were already as desired and were not sent to the device. */
  readonly unchanged: number;
  /** Whether the listen port or fwmark changed. */
  readonly deviceUpdated: boolean;
  /** `set` operations sent: 0 when the device already matched, 2 when the first was refused and retried. */
  readonly operations: number;
}

/**
 * One WireGuard interface, managed through one backend. Create it with {@link createBackend}; `up` once, then
 * `apply` as often as the desired state changes, `read` for state and statistics, `down` at shutdown.
 */
export interface WireGuardBackend {
  /** Which implementation runs the interface. */
  readonly kind: BackendKind;
  /**
   * Creates the interface and brings it up: the device (wireguard-go is started and supervised from then on), its
   * private key, addresses, MTU and routes. An interface of the same name left by an earlier run is deleted
   * first: the name belongs to this backend. Rejects with ERR_WG_COMMAND_FAILED naming what failed (and leaves
   * nothing behind), ERR_WG_KEY_FILE / ERR_WG_KEY_INVALID for the key, ERR_WG_CONFIG_INVALID for the spec.
   */
  up(spec: InterfaceSpec): Promise<void>;
  /**
   * Makes the device's peers (and port) match `desired` with the smallest change: reads the device, sends one
   * `set` with only the peers that differ (`update_only` for existing ones, `remove` for extra ones,
   * `replace_allowed_ips` only where allowed IPs changed; never `replace_peers`), and sends nothing when all
   * match. After a refused `set` it re-reads the device and tries once more. Remembers `desired`, so a restarted
   * wireguard-go is re-configured with it. Rejects with ERR_WG_CONFIG_INVALID before touching the device.
   */
  apply(desired: DesiredDevice): Promise<ApplyResult>;
  /** Reads the device's state: peers with endpoints, allowed IPs, last handshake, rx/tx counters. */
  read(): Promise<DeviceState>;
  /** Deletes the interface and stops its device (and the supervisor). Safe to call twice, or before `up`. */
  down(): Promise<void>;
}

/** Something the backend did on its own, for logs and metrics. */
export type BackendEvent =
  /** The device process exited unexpectedly; it is restarted after `restartInMs`. */
  | {
      readonly type: 'device-exited';
      readonly code: number | null;
      readonly signal: string | null;
      readonly restartInMs: number;
    }
  /** The device was restarted and re-configured from the last desired state (`attempt` counts since the exit). */
  | { readonly type: 'device-restarted'; readonly attempt: number }
  /** A restart or re-configuration failed; another attempt follows with a longer delay. */
  | { readonly type: 'restart-failed'; readonly attempt: number; readonly error: Error }
  /**
   * The device's UDP socket has a small receive buffer (`receiveBufferBytes`), so it drops packets once the tunnel
   * is busy; the host's net.core.rmem_default and wmem_default should be `recommendedBytes`. Checked once, at `up`.
   */
  | { readonly type: 'udp-buffer-small'; readonly receiveBufferBytes: number; readonly recommendedBytes: number };

/** Options of {@link createBackend}. Checked at construction. */
export interface BackendOptions {
  /** Use this backend, or fail with ERR_WG_BACKEND_UNAVAILABLE; default: the one {@link probeBackend} picks. */
  readonly kind?: BackendKind;
  /** Run the device and every `ip`/`wg` command in this network namespace (`ip netns exec`); default: ours. */
  readonly netns?: string;
  /** The wireguard-go executable; default `wireguard-go` on PATH. */
  readonly wireguardGo?: string;
  /** Limit for one UAPI operation, in ms. Default 5000. */
  readonly uapiTimeoutMs?: number;
  /** First delay before restarting a dead wireguard-go, doubled after each failure, in ms. Default 100. */
  readonly restartMinDelayMs?: number;
  /** Longest delay between restarts, in ms. Default 5000. */
  readonly restartMaxDelayMs?: number;
  /** Called for each {@link BackendEvent}; must not throw. */
  readonly onEvent?: (event: BackendEvent) => void;
}

/** Which backend {@link probeBackend} found usable, and why. */
export interface BackendProbe {
  readonly kind: BackendKind;
  /** Why this one, e.g. "the wireguard kernel module is loaded and `wg` is installed". */
  readonly reason: string;
}

/** Options of {@link probeBackend}. */
export interface ProbeOptions {
  /** Only this backend will do. */
  readonly kind?: BackendKind;
  /** The wireguard-go executable; default `wireguard-go` on PATH. */
  readonly wireguardGo?: string;
}

/**
 * A peer's traffic as {@link PeerStatsTracker} reports it: counters that only grow (fit for Prometheus counters),
 * even when the device restarts and its own counters start again from zero.
 */
export interface PeerStats {
  /** The peer's public key. */
  readonly publicKey: string;
  /** The latest handshake seen, kept across device restarts (a fresh device reports none); undefined when none. */
  readonly lastHandshake: Date | undefined;
  /** Bytes received from the peer: the device's count when first seen, plus all received since, across restarts. */
  readonly rxBytes: bigint;
  /** Bytes sent to the peer, counted like `rxBytes`. */
  readonly txBytes: bigint;
  /** How many times the device's counters for this peer started again (a restart, seen or reported). */
  readonly resets: number;
}

/** Turns successive device reads into monotonic per-peer statistics. Create it with `createPeerStatsTracker`. */
export interface PeerStatsTracker {
  /**
   * Takes one read of the device and returns every peer in it with its accumulated statistics, in the device's
   * order. A counter lower than in the previous read means the device started counting again: what it reports now
   * is all new. A peer no longer in the device is forgotten.
   */
  observe(state: DeviceState): readonly PeerStats[];
  /**
   * Tells the tracker the device restarted (the `device-restarted` event), so the next read's counters all count as
   * new even if they already exceed the old ones. Without it, a restart is still seen when a counter goes backwards.
   */
  deviceRestarted(): void;
}
