import { constants } from 'node:os';
import { wireguardErrors } from '../errors.js';
import { formatEndpoint, normalizeCidr, parseEndpoint, type Endpoint } from '../ip.js';
import { keyFromHex, keyToHex, publicKeyFromPrivate } from '../keys.js';
import type { DeviceConfig, DeviceState, PeerConfig, PeerState } from './types.js';

// The cross-platform userspace API (https://www.wireguard.com/xplatform/): a request is `get=1` or `set=1` and
// key=value lines, an answer is key=value lines and `errno=N`; a blank line ends each. Keys are lowercase hex.

/** The `get=1` request, with the blank line that ends it. */
export const UAPI_GET_REQUEST = 'get=1\n\n';

const ZERO_KEY_HEX = '0'.repeat(64);
const ERRNO_LINE = /^errno=(-?[0-9]{1,10})$/;
const UNSIGNED = /^(?:0|[1-9][0-9]*)$/;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffff_ffff;
const MAX_U64 = 0xffff_ffff_ffff_ffffn;
// The largest time a Date holds (ECMA-262 §21.4.1.22), in seconds.
const MAX_DATE_SECONDS = 8_640_000_000_000;

/**
 * Encodes a change as a `set=1` request. Validates every value (keys, ranges, IP literals) and makes prefixes
 * canonical, so nothing that could end a line or start another key reaches the socket. Throws
 * ERR_WG_CONFIG_INVALID or ERR_WG_KEY_INVALID, naming the field.
 */
export function encodeSetRequest(config: DeviceConfig): string {
  const lines = ['set=1'];
  if (config.privateKey !== undefined) lines.push(`private_key=${keyOrZero(config.privateKey, 'privateKey')}`);
  if (config.listenPort !== undefined) {
    lines.push(`listen_port=${integer(config.listenPort, 0, MAX_U16, 'listenPort')}`);
  }
  if (config.fwmark !== undefined) lines.push(`fwmark=${integer(config.fwmark, 0, MAX_U32, 'fwmark')}`);
  if (flag(config.replacePeers, 'replacePeers')) lines.push('replace_peers=true');
  (config.peers ?? []).forEach((peer, i) => encodePeer(peer, `peers[${i}]`, lines));
  return `${lines.join('\n')}\n\n`;
}

function encodePeer(peer: PeerConfig, name: string, lines: string[]): void {
  lines.push(`public_key=${keyToHex(peer.publicKey, `${name}.publicKey`)}`);
  if (flag(peer.remove, `${name}.remove`)) {
    const others = Object.keys(peer).filter(
      (field) => field !== 'publicKey' && field !== 'remove' && peer[field as keyof PeerConfig] !== undefined,
    );
    if (others.length > 0) invalid(`${name}: remove cannot be combined with ${others.join(', ')}`);
    lines.push('remove=true');
    return;
  }
  if (flag(peer.updateOnly, `${name}.updateOnly`)) lines.push('update_only=true');
  if (peer.presharedKey !== undefined) {
    lines.push(`preshared_key=${keyOrZero(peer.presharedKey, `${name}.presharedKey`)}`);
  }
  if (peer.endpoint !== undefined) {
    const endpoint = formatEndpoint(peer.endpoint);
    if (endpoint === undefined) invalid(`${name}.endpoint must be an IP literal and a port 1-65535`);
    lines.push(`endpoint=${endpoint}`);
  }
  if (peer.persistentKeepaliveInterval !== undefined) {
    const seconds = integer(peer.persistentKeepaliveInterval, 0, MAX_U16, `${name}.persistentKeepaliveInterval`);
    lines.push(`persistent_keepalive_interval=${seconds}`);
  }
  // Must precede the allowed_ip lines: the device drops the old set when it reads this key.
  if (flag(peer.replaceAllowedIps, `${name}.replaceAllowedIps`)) lines.push('replace_allowed_ips=true');
  (peer.allowedIps ?? []).forEach((text, i) => {
    const prefix = normalizeCidr(text);
    if (prefix === undefined) invalid(`${name}.allowedIps[${i}] is not an IP prefix`);
    lines.push(`allowed_ip=${prefix}`);
  });
}

function keyOrZero(key: string | null, name: string): string {
  return key === null ? ZERO_KEY_HEX : keyToHex(key, name);
}

function integer(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) invalid(`${name} must be an integer ${min}-${max}`);
  return value;
}

function flag(value: boolean | undefined, name: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') invalid(`${name} must be a boolean`);
  return value === true;
}

function invalid(message: string): never {
  throw wireguardErrors.configInvalid.create(message);
}

/**
 * Where the blank line that ends an answer falls in `chunk`, the next piece of an answer read from the socket:
 * the index just after it, or -1 when the answer goes on. `lastChar` is the last character of the answer read so
 * far ('' before the first chunk), since the blank line may straddle two chunks.
 */
export function answerEnd(lastChar: string, chunk: string): number {
  if ((lastChar === '' || lastChar === '\n') && chunk.startsWith('\n')) return 1;
  const end = chunk.indexOf('\n\n');
  return end < 0 ? -1 : end + 2;
}

/**
 * Decodes the answer to `get=1` (through its blank line). A non-zero `errno` of either sign is ERR_WG_UAPI with
 * `details.errno`; a malformed answer is ERR_WG_UAPI_PROTOCOL. Unknown keys are ignored; prefixes and addresses
 * come out canonical; the device's private key is reduced to its public key.
 */
export function decodeGetResponse(answer: string): DeviceState {
  let publicKey: string | undefined;
  let listenPort: number | undefined;
  let fwmark = 0;
  const peers: PeerState[] = [];
  let peer: PeerDraft | undefined;
  for (const [index, line] of answerLines(answer).entries()) {
    const { key, value } = splitLine(line, index);
    const where = `${key} on line ${index + 1}`;
    if (key === 'public_key') {
      if (peer !== undefined) peers.push(finishPeer(peer));
      peer = newPeer(hexKey(value, where));
      continue;
    }
    if (DEVICE_KEYS.has(key)) {
      if (peer !== undefined) protocolError(`${where} comes after the first peer`);
      if (key === 'private_key') {
        publicKey = value === ZERO_KEY_HEX ? undefined : publicKeyFromPrivate(hexKey(value, where));
      } else if (key === 'own_public_key') {
        publicKey = hexKey(value, where);
      } else if (key === 'listen_port') {
        listenPort = Number(unsigned(value, BigInt(MAX_U16), where));
      } else {
        fwmark = Number(unsigned(value, BigInt(MAX_U32), where));
      }
      continue;
    }
    if (!PEER_KEYS.has(key)) continue;
    if (peer === undefined) protocolError(`${where} comes before any public_key`);
    applyPeerKey(peer, key, value, where);
  }
  if (peer !== undefined) peers.push(finishPeer(peer));
  return { publicKey, listenPort, fwmark, peers };
}

/** Checks the answer to `set=1`: ERR_WG_UAPI for a non-zero `errno`, ERR_WG_UAPI_PROTOCOL when malformed. */
export function decodeSetResponse(answer: string): void {
  answerLines(answer).forEach((line, index) => splitLine(line, index));
}

// `own_public_key` is boringtun's: it reports the public key instead of the private one.
const DEVICE_KEYS = new Set(['private_key', 'own_public_key', 'listen_port', 'fwmark']);
const PEER_KEYS = new Set([
  'preshared_key',
  'endpoint',
  'last_handshake_time_sec',
  'last_handshake_time_nsec',
  'rx_bytes',
  'tx_bytes',
  'persistent_keepalive_interval',
  'allowed_ip',
  'protocol_version',
]);

interface PeerDraft {
  publicKey: string;
  presharedKey: string | undefined;
  endpoint: Endpoint | undefined;
  allowedIps: string[];
  handshakeSeconds: bigint;
  handshakeNanoseconds: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  persistentKeepaliveInterval: number;
  protocolVersion: number | undefined;
}

function newPeer(publicKey: string): PeerDraft {
  return {
    publicKey,
    presharedKey: undefined,
    endpoint: undefined,
    allowedIps: [],
    handshakeSeconds: 0n,
    handshakeNanoseconds: 0n,
    rxBytes: 0n,
    txBytes: 0n,
    persistentKeepaliveInterval: 0,
    protocolVersion: undefined,
  };
}

function applyPeerKey(peer: PeerDraft, key: string, value: string, where: string): void {
  switch (key) {
    case 'preshared_key':
      peer.presharedKey = value === ZERO_KEY_HEX ? undefined : hexKey(value, where);
      return;
    case 'endpoint':
      peer.endpoint = parseEndpoint(value) ?? protocolError(`${where} is not an IP endpoint`);
      return;
    case 'allowed_ip':
      peer.allowedIps.push(normalizeCidr(value) ?? protocolError(`${where} is not an IP prefix`));
      return;
    case 'last_handshake_time_sec':
      peer.handshakeSeconds = unsigned(value, BigInt(MAX_DATE_SECONDS - 1), where);
      return;
    case 'last_handshake_time_nsec':
      peer.handshakeNanoseconds = unsigned(value, 999_999_999n, where);
      return;
    case 'rx_bytes':
      peer.rxBytes = unsigned(value, MAX_U64, where);
      return;
    case 'tx_bytes':
      peer.txBytes = unsigned(value, MAX_U64, where);
      return;
    case 'persistent_keepalive_interval':
      peer.persistentKeepaliveInterval = Number(unsigned(value, BigInt(MAX_U16), where));
      return;
    default: // protocol_version
      peer.protocolVersion = Number(unsigned(value, BigInt(MAX_U32), where));
  }
}

function finishPeer(peer: PeerDraft): PeerState {
  const { handshakeSeconds: seconds, handshakeNanoseconds: nanoseconds } = peer;
  const lastHandshake =
    seconds === 0n && nanoseconds === 0n
      ? undefined
      : new Date(Number(seconds) * 1000 + Math.floor(Number(nanoseconds) / 1e6));
  return {
    publicKey: peer.publicKey,
    presharedKey: peer.presharedKey,
    endpoint: peer.endpoint,
    allowedIps: peer.allowedIps,
    lastHandshake,
    rxBytes: peer.rxBytes,
    txBytes: peer.txBytes,
    persistentKeepaliveInterval: peer.persistentKeepaliveInterval,
    protocolVersion: peer.protocolVersion,
  };
}

// The lines of an answer before its `errno` line, once the errno says success.
function answerLines(answer: string): string[] {
  if (!answer.endsWith('\n\n') && answer !== '\n') {
    protocolError('the answer does not end with a blank line (truncated)');
  }
  const body = answer.slice(0, -2);
  const lines = body === '' ? [] : body.split('\n');
  if (lines.includes('')) protocolError('the answer has a blank line before its end');
  const errnoLine = ERRNO_LINE.exec(lines.pop() ?? '');
  if (errnoLine === null) protocolError('the answer does not end with an errno line');
  const errno = Number(errnoLine[1]);
  if (errno !== 0) {
    throw wireguardErrors.uapi.create(`the WireGuard device refused the operation: errno=${errno}${errnoName(errno)}`, {
      details: { errno },
    });
  }
  return lines;
}

function splitLine(line: string, index: number): { key: string; value: string } {
  const equals = line.indexOf('=');
  if (equals <= 0) protocolError(`line ${index + 1} of the answer is not key=value`);
  const key = line.slice(0, equals);
  if (key === 'errno') protocolError(`errno on line ${index + 1} is not the last line of the answer`);
  return { key, value: line.slice(equals + 1) };
}

function unsigned(value: string, max: bigint, where: string): bigint {
  // The length check keeps BigInt() away from megabytes of digits.
  if (!UNSIGNED.test(value) || value.length > 20 || BigInt(value) > max) {
    protocolError(`${where} is not an integer 0-${max}`);
  }
  return BigInt(value);
}

function hexKey(value: string, where: string): string {
  try {
    return keyFromHex(value, where);
  } catch {
    return protocolError(`${where} is not a 64-digit hex key`);
  }
}

function protocolError(message: string): never {
  throw wireguardErrors.uapiProtocol.create(`malformed UAPI answer: ${message}`);
}

// " (EINVAL)" for -22 or 22: wireguard-go sends negative errnos, boringtun positive ones.
function errnoName(errno: number): string {
  const name = Object.entries(constants.errno).find(([, code]) => code === Math.abs(errno))?.[0];
  return name === undefined ? '' : ` (${name})`;
}
