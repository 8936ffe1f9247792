export { createBackend } from './backend/create-backend.js';
export { logBackendEvent, type EventLogger } from './backend/event-log.js';
export { assertInterfaceFree } from './backend/interface-in-use.js';
export { createPeerStatsTracker } from './backend/peer-stats.js';
export { probeBackend } from './backend/probe.js';
export { reconcile, type DeviceControl } from './backend/reconcile.js';
export type {
  ApplyResult,
  BackendEvent,
  BackendKind,
  BackendOptions,
  BackendProbe,
  DesiredDevice,
  DesiredPeer,
  InterfaceSpec,
  PeerStats,
  PeerStatsTracker,
  PrivateKeySource,
  ProbeOptions,
  WireGuardBackend,
} from './backend/types.js';
export type { WireguardGoBackend } from './backend/wireguard-go.js';
export { wireguardErrors } from './errors.js';
export { createPeerForwarding, type ForwardGrant, type ForwardingPlan, type PeerForwarding } from './forwarding.js';
export { ensureKeyFile, readKeyFile, readKeyFromStream } from './key-input.js';
export {
  KEY_BYTES,
  generateKeyPair,
  generatePresharedKey,
  keyFromHex,
  keyToHex,
  parseKey,
  publicKeyFromPrivate,
  type KeyPair,
} from './keys.js';
export { canonicalAllowedIps, canonicalCidr, sameAllowedIps, type Endpoint } from './ip.js';
export {
  DEFAULT_TUNNEL_POOL,
  allocateAddress,
  hubAddress,
  parsePool,
  type AddressPool,
  type AllocateOptions,
} from './ipam.js';
export { renderConfigQr, type QrFormat } from './qr.js';
export { createUapiClient, type UapiClient, type UapiClientOptions } from './uapi/client.js';
export { UAPI_GET_REQUEST, decodeGetResponse, decodeSetResponse, encodeSetRequest } from './uapi/codec.js';
export type { DeviceConfig, DeviceState, PeerConfig, PeerState } from './uapi/types.js';
export { renderWgQuickConfig, type WgQuickConfig, type WgQuickPeer } from './wg-quick.js';
