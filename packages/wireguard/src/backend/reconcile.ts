import { wireguardErrors } from '../errors.js';
import { canonicalAllowedIps, formatEndpoint, parseEndpoint, type Endpoint } from '../ip.js';
import { parseKey } from '../keys.js';
import type { DeviceConfig, DeviceState, PeerConfig, PeerState } from '../uapi/types.js';
import type { ApplyResult, DesiredDevice, DesiredPeer } from './types.js';

/** What the reconciler needs of a device: the two UAPI operations (a `UapiClient`, or a kernel `wg` adapter). */
export interface DeviceControl {
  get(): Promise<DeviceState>;
  set(config: DeviceConfig): Promise<void>;
}

/** The change that makes a device match a desired state, and what it touches. */
export interface ReconcilePlan {
  /** The `set` to send; undefined when the device already matches. */
  readonly config: DeviceConfig | undefined;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
  readonly deviceUpdated: boolean;
}

/** A desired peer checked and made canonical: the form {@link planChanges} compares. */
interface CanonicalPeer {
  readonly publicKey: string;
  readonly presharedKey: string | undefined;
  /** Canonical, as the device reports it. */
  readonly endpoint: Endpoint | undefined;
  readonly allowedIps: readonly string[];
  readonly persistentKeepalive: number;
}

/** A desired state checked and made canonical by {@link canonicalDesired}. */
export interface CanonicalDesired {
  readonly listenPort: number | undefined;
  readonly fwmark: number | undefined;
  readonly peers: readonly CanonicalPeer[];
}

/**
 * Checks a desired state and makes it canonical (allowed IPs as a sorted set, endpoints as UAPI writes them), so
 * a bad value fails before anything reaches the device. Throws ERR_WG_CONFIG_INVALID / ERR_WG_KEY_INVALID naming
 * the field (`peers[2].allowedIps`), never a key.
 */
export function canonicalDesired(desired: DesiredDevice): CanonicalDesired {
  if (typeof desired !== 'object' || desired === null || !Array.isArray(desired.peers)) {
    invalid('desired state must be an object with a peers array');
  }
  const seen = new Set<string>();
  const peers = (desired.peers as readonly DesiredPeer[]).map((peer, i) => {
    const canonical = canonicalPeer(peer, `peers[${i}]`);
    if (seen.has(canonical.publicKey)) invalid(`peers[${i}].publicKey appears twice`);
    seen.add(canonical.publicKey);
    return canonical;
  });
  return {
    listenPort: optionalInteger(desired.listenPort, 1, 0xffff, 'listenPort'),
    fwmark: optionalInteger(desired.fwmark, 0, 0xffff_ffff, 'fwmark'),
    peers,
  };
}

function canonicalPeer(peer: DesiredPeer, name: string): CanonicalPeer {
  if (typeof peer !== 'object' || peer === null) invalid(`${name} must be an object`);
  // parseKey accepts canonical base64 only (what the device reports), and throws ERR_WG_KEY_INVALID naming the field.
  parseKey(peer.publicKey, `${name}.publicKey`);
  if (peer.presharedKey !== undefined) parseKey(peer.presharedKey, `${name}.presharedKey`);
  let endpoint: Endpoint | undefined;
  if (peer.endpoint !== undefined) {
    const text = formatEndpoint(peer.endpoint);
    if (text === undefined) invalid(`${name}.endpoint must be an IP literal and a port 1-65535`);
    endpoint = parseEndpoint(text);
  }
  if (!Array.isArray(peer.allowedIps)) invalid(`${name}.allowedIps must be an array of IP prefixes`);
  let allowedIps: string[];
  try {
    allowedIps = canonicalAllowedIps(peer.allowedIps);
  } catch (err) {
    return invalid(`${name}.allowedIps: ${(err as Error).message}`);
  }
  return {
    publicKey: peer.publicKey,
    presharedKey: peer.presharedKey,
    endpoint,
    allowedIps,
    persistentKeepalive: optionalInteger(peer.persistentKeepalive, 0, 0xffff, `${name}.persistentKeepalive`) ?? 0,
  };
}

/**
 * The smallest `set` that makes `current` match `desired` (pure). Peers that match are left out, so their
 * sessions, handshakes and counters are untouched. Extra peers are removed first (freeing their allowed IPs),
 * then existing peers are changed with `update_only` (only the fields that differ; `replace_allowed_ips` only when
 * the allowed IPs differ as sets), then new peers are added. Never `replace_peers`. An endpoint left out of the
 * desired peer is never compared: the device keeps the one it learnt.
 */
export function planChanges(current: DeviceState, desired: CanonicalDesired): ReconcilePlan {
  const existing = new Map(current.peers.map((peer) => [peer.publicKey, peer]));
  const wanted = new Set(desired.peers.map((peer) => peer.publicKey));
  const removals: PeerConfig[] = current.peers
    .filter((peer) => !wanted.has(peer.publicKey))
    .map((peer) => ({ publicKey: peer.publicKey, remove: true }));
  const updates: PeerConfig[] = [];
  const additions: PeerConfig[] = [];
  let unchanged = 0;
  for (const peer of desired.peers) {
    const now = existing.get(peer.publicKey);
    if (now === undefined) {
      additions.push(newPeer(peer));
      continue;
    }
    const change = peerChange(now, peer);
    if (change === undefined) unchanged++;
    else updates.push(change);
  }
  const listenPort =
    desired.listenPort !== undefined && desired.listenPort !== current.listenPort ? desired.listenPort : undefined;
  const fwmark = desired.fwmark !== undefined && desired.fwmark !== current.fwmark ? desired.fwmark : undefined;
  const deviceUpdated = listenPort !== undefined || fwmark !== undefined;
  const peers = [...removals, ...updates, ...additions];
  const config: DeviceConfig | undefined =
    peers.length === 0 && !deviceUpdated
      ? undefined
      : {
          ...(listenPort === undefined ? {} : { listenPort }),
          ...(fwmark === undefined ? {} : { fwmark }),
          peers,
        };
  return {
    config,
    added: additions.map((peer) => peer.publicKey),
    updated: updates.map((peer) => peer.publicKey),
    removed: removals.map((peer) => peer.publicKey),
    unchanged,
    deviceUpdated,
  };
}

function newPeer(peer: CanonicalPeer): PeerConfig {
  return {
    publicKey: peer.publicKey,
    ...(peer.presharedKey === undefined ? {} : { presharedKey: peer.presharedKey }),
    ...(peer.endpoint === undefined ? {} : { endpoint: peer.endpoint }),
    ...(peer.persistentKeepalive === 0 ? {} : { persistentKeepaliveInterval: peer.persistentKeepalive }),
    allowedIps: peer.allowedIps,
  };
}

function peerChange(now: PeerState, peer: CanonicalPeer): PeerConfig | undefined {
  const change: { -readonly [K in keyof PeerConfig]: PeerConfig[K] } = { publicKey: peer.publicKey };
  let changed = false;
  if (now.presharedKey !== peer.presharedKey) {
    change.presharedKey = peer.presharedKey ?? null;
    changed = true;
  }
  if (peer.endpoint !== undefined && !sameEndpoint(now.endpoint, peer.endpoint)) {
    change.endpoint = peer.endpoint;
    changed = true;
  }
  if (now.persistentKeepaliveInterval !== peer.persistentKeepalive) {
    change.persistentKeepaliveInterval = peer.persistentKeepalive;
    changed = true;
  }
  const nowIps = canonicalAllowedIps(now.allowedIps);
  if (nowIps.length !== peer.allowedIps.length || nowIps.some((prefix, i) => prefix !== peer.allowedIps[i])) {
    change.replaceAllowedIps = true;
    change.allowedIps = peer.allowedIps;
    changed = true;
  }
  // update_only: should the peer vanish between the read and the set, it is not re-created half-configured.
  return changed ? { ...change, updateOnly: true } : undefined;
}

/**
 * Makes the device match `desired` (see {@link planChanges}): reads it, sends the plan's `set` if there is one.
 * A `set` that fails may have been applied in part, so the device is read again and the new plan sent once more;
 * a second failure rejects with its error. Rejects with ERR_WG_CONFIG_INVALID before touching the device when
 * `desired` is malformed. The result describes the last plan sent (or the empty one).
 */
export async function reconcile(device: DeviceControl, desired: DesiredDevice): Promise<ApplyResult> {
  const canonical = canonicalDesired(desired);
  let operations = 0;
  for (;;) {
    const plan = planChanges(await device.get(), canonical);
    if (plan.config !== undefined) {
      operations++;
      try {
        await device.set(plan.config);
      } catch (err) {
        if (operations >= 2) throw err;
        continue;
      }
    }
    const { added, updated, removed, unchanged, deviceUpdated } = plan;
    return { added, updated, removed, unchanged, deviceUpdated, operations };
  }
}

// Both canonical (the device's from the decoder, the desired one from canonicalPeer).
function sameEndpoint(a: Endpoint | undefined, b: Endpoint): boolean {
  return a !== undefined && a.address === b.address && a.port === b.port;
}

function optionalInteger(value: number | undefined, min: number, max: number, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) invalid(`${name} must be an integer ${min}-${max}`);
  return value;
}

function invalid(message: string): never {
  throw wireguardErrors.configInvalid.create(message);
}
