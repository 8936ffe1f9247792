import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wireguardErrors } from '../errors.js';
import { canonicalCidr, formatEndpoint, parseEndpoint } from '../ip.js';
import { parseKey } from '../keys.js';
import type { DeviceConfig, DeviceState, PeerState } from '../uapi/types.js';
import { runCommand } from './command.js';
import type { DeviceControl } from './reconcile.js';

/**
 * A device driven through `wg` (wireguard-tools) instead of a UAPI socket: what the kernel backend reconciles
 * with. `get` parses `wg show NAME dump`; `set` runs one `wg set`, keys in files of a private temporary directory
 * (never argv) deleted right after. `wg set` always replaces a peer's allowed IPs with the ones given and has no
 * `update_only`; the reconciler only sends whole allowed-IP sets, so both mean the same here. `replacePeers` is
 * refused. `wg` also drives userspace devices through their UAPI socket, which is how this is tested.
 */
export function createWgControl(name: string, netns: string | undefined): DeviceControl {
  return {
    get: async () => parseWgDump(await runCommand(['wg', 'show', name, 'dump'], { netns })),
    set: async (config) => {
      const dir = await mkdtemp(join(tmpdir(), 'rwg-keys-'));
      try {
        const args = await wgSetArgs(config, async (key, index) => {
          const file = join(dir, `key-${index}`);
          await writeFile(file, key === null ? '' : `${key}\n`, { mode: 0o600 });
          return file;
        });
        await runCommand(['wg', 'set', name, ...args], { netns });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The arguments of `wg set` for a change. `keyFile` writes a key (null: none) to a file and returns its path.
 * Throws ERR_WG_CONFIG_INVALID / ERR_WG_KEY_INVALID for a value `wg` would misread.
 */
export async function wgSetArgs(
  config: DeviceConfig,
  keyFile: (key: string | null, index: number) => Promise<string>,
): Promise<string[]> {
  if (config.replacePeers === true) invalid('replacePeers is not supported through `wg set`');
  const args: string[] = [];
  let files = 0;
  const file = (key: string | null, field: string) => {
    if (key !== null) parseKey(key, field);
    return keyFile(key, files++);
  };
  if (config.listenPort !== undefined)
    args.push('listen-port', String(integer(config.listenPort, 0xffff, 'listenPort')));
  if (config.fwmark !== undefined) args.push('fwmark', String(integer(config.fwmark, 0xffff_ffff, 'fwmark')));
  if (config.privateKey !== undefined) args.push('private-key', await file(config.privateKey, 'privateKey'));
  for (const [i, peer] of (config.peers ?? []).entries()) {
    parseKey(peer.publicKey, `peers[${i}].publicKey`);
    args.push('peer', peer.publicKey);
    if (peer.remove === true) {
      args.push('remove');
      continue;
    }
    if (peer.presharedKey !== undefined) {
      args.push('preshared-key', await file(peer.presharedKey, `peers[${i}].presharedKey`));
    }
    if (peer.endpoint !== undefined) {
      const endpoint = formatEndpoint(peer.endpoint);
      if (endpoint === undefined) invalid(`peers[${i}].endpoint must be an IP literal and a port 1-65535`);
      args.push('endpoint', endpoint);
    }
    if (peer.persistentKeepaliveInterval !== undefined) {
      const seconds = integer(peer.persistentKeepaliveInterval, 0xffff, `peers[${i}].persistentKeepaliveInterval`);
      args.push('persistent-keepalive', String(seconds));
    }
    if (peer.allowedIps !== undefined || peer.replaceAllowedIps === true) {
      const prefixes = (peer.allowedIps ?? []).map((prefix, j) => {
        try {
          return canonicalCidr(prefix);
        } catch {
          return invalid(`peers[${i}].allowedIps[${j}] is not an IP prefix`);
        }
      });
      args.push('allowed-ips', prefixes.join(','));
    }
  }
  return args;
}

/** Parses `wg show NAME dump` into the state a UAPI `get` reports. ERR_WG_UAPI_PROTOCOL when malformed. */
export function parseWgDump(text: string): DeviceState {
  const lines = text.split('\n').filter((line) => line !== '');
  const device = lines.shift()?.split('\t');
  if (device?.length !== 4) malformed('the first line is not private-key, public-key, listen-port, fwmark');
  const [, publicKey, listenPort, fwmark] = device;
  return {
    publicKey: optionalKey(publicKey!, 'public-key'),
    listenPort: listenPort === '0' ? undefined : number(listenPort!, 0xffff, 'listen-port'),
    fwmark: fwmark === 'off' ? 0 : hexMark(fwmark!),
    peers: lines.map(parsePeerLine),
  };
}

function parsePeerLine(line: string, index: number): PeerState {
  const fields = line.split('\t');
  const where = `peer line ${index + 1}`;
  if (fields.length !== 8) malformed(`${where} does not have 8 fields`);
  const [publicKey, presharedKey, endpoint, allowedIps, handshake, rx, tx, keepalive] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const seconds = number(handshake, Number.MAX_SAFE_INTEGER, `${where} latest-handshake`);
  return {
    publicKey: optionalKey(publicKey, `${where} public-key`) ?? malformed(`${where} has no public key`),
    presharedKey: optionalKey(presharedKey, `${where} preshared-key`),
    endpoint:
      endpoint === '(none)' ? undefined : (parseEndpoint(endpoint) ?? malformed(`${where} endpoint is malformed`)),
    allowedIps:
      allowedIps === '(none)'
        ? []
        : allowedIps.split(',').map((prefix) => {
            try {
              return canonicalCidr(prefix);
            } catch {
              return malformed(`${where} allowed-ips is malformed`);
            }
          }),
    lastHandshake: seconds === 0 ? undefined : new Date(seconds * 1000),
    rxBytes: counter(rx, `${where} transfer-rx`),
    txBytes: counter(tx, `${where} transfer-tx`),
    persistentKeepaliveInterval: keepalive === 'off' ? 0 : number(keepalive, 0xffff, `${where} persistent-keepalive`),
    protocolVersion: undefined,
  };
}

function optionalKey(text: string, where: string): string | undefined {
  if (text === '(none)') return undefined;
  try {
    parseKey(text, where);
  } catch {
    malformed(`${where} is not a key`);
  }
  return text;
}

function number(text: string, max: number, where: string): number {
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(text) || Number(text) > max) malformed(`${where} is not an integer 0-${max}`);
  return Number(text);
}

// `wg` prints a mark in hex (`0x1234`), or `off`.
function hexMark(text: string): number {
  if (!/^0x[0-9a-f]{1,8}$/.test(text)) malformed('fwmark is not off or 0x followed by up to 8 hex digits');
  return parseInt(text.slice(2), 16);
}

function counter(text: string, where: string): bigint {
  if (!/^(?:0|[1-9][0-9]{0,19})$/.test(text) || BigInt(text) > 0xffff_ffff_ffff_ffffn) {
    malformed(`${where} is not a 64-bit counter`);
  }
  return BigInt(text);
}

function integer(value: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) invalid(`${name} must be an integer 0-${max}`);
  return value;
}

function malformed(message: string): never {
  throw wireguardErrors.uapiProtocol.create(`malformed \`wg show dump\` output: ${message}`);
}

function invalid(message: string): never {
  throw wireguardErrors.configInvalid.create(message);
}
