import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalCidr, formatEndpoint, sameAllowedIps } from '../ip.js';
import { publicKeyFromPrivate } from '../keys.js';
import { decodeGetResponse, decodeSetResponse, encodeSetRequest } from './codec.js';
import type { DeviceConfig, PeerConfig } from './types.js';

const ZERO = '0'.repeat(64);

/**
 * A device reduced to what the round trip needs: applies `set=1` text as wireguard-go does (a prefix belongs to
 * one peer, so adding it to a peer takes it from any other) and answers `get=1` in wireguard-go's format.
 */
function fakeDevice() {
  let privateKey = ZERO;
  let listenPort = 0;
  let fwmark = 0;
  const peers = new Map<string, { psk: string; endpoint?: string; keepalive: string; allowed: Set<string> }>();
  return {
    apply(request: string): void {
      let peer: { psk: string; endpoint?: string; keepalive: string; allowed: Set<string> } | undefined;
      for (const line of request.split('\n').slice(1, -2)) {
        const [key, value] = line.split('=') as [string, string];
        if (key === 'private_key') privateKey = value;
        else if (key === 'listen_port') listenPort = Number(value);
        else if (key === 'fwmark') fwmark = Number(value);
        else if (key === 'replace_peers') peers.clear();
        else if (key === 'public_key') {
          peer = peers.get(value) ?? { psk: ZERO, keepalive: '0', allowed: new Set() };
          peers.set(value, peer);
        } else if (key === 'preshared_key') peer!.psk = value;
        else if (key === 'endpoint') peer!.endpoint = value;
        else if (key === 'persistent_keepalive_interval') peer!.keepalive = value;
        else if (key === 'replace_allowed_ips') peer!.allowed.clear();
        else if (key === 'allowed_ip') {
          for (const other of peers.values()) other.allowed.delete(value);
          peer!.allowed.add(value);
        } else throw new Error(`fake device: unexpected line ${line}`);
      }
    },
    get(): string {
      const lines = [`private_key=${privateKey}`, `listen_port=${listenPort}`];
      if (fwmark !== 0) lines.push(`fwmark=${fwmark}`);
      for (const [publicKey, peer] of peers) {
        lines.push(`public_key=${publicKey}`, `preshared_key=${peer.psk}`, 'protocol_version=1');
        if (peer.endpoint !== undefined) lines.push(`endpoint=${peer.endpoint}`);
        lines.push('last_handshake_time_sec=0', 'last_handshake_time_nsec=0', 'tx_bytes=0', 'rx_bytes=0');
        lines.push(`persistent_keepalive_interval=${peer.keepalive}`);
        for (const prefix of peer.allowed) lines.push(`allowed_ip=${prefix}`);
      }
      return `${lines.join('\n')}\nerrno=0\n\n`;
    },
  };
}

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64'));
const address = fc.oneof(fc.ipV4(), fc.ipV6());
const prefix = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, length]) => `${a}/${length}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, length]) => `${a}/${length}`),
  address, // a host prefix
);
const peerConfig: fc.Arbitrary<PeerConfig> = fc.record(
  {
    publicKey: key,
    presharedKey: key,
    endpoint: fc.record({ address, port: fc.integer({ min: 1, max: 65_535 }) }),
    persistentKeepaliveInterval: fc.integer({ min: 0, max: 65_535 }),
    allowedIps: fc.array(prefix, { maxLength: 6 }),
  },
  { requiredKeys: ['publicKey'] },
);
const deviceConfig: fc.Arbitrary<DeviceConfig> = fc.record({
  privateKey: key,
  listenPort: fc.integer({ min: 1, max: 65_535 }),
  fwmark: fc.integer({ min: 0, max: 0xffff_ffff }),
  peers: fc.uniqueArray(peerConfig, { selector: (peer) => peer.publicKey, maxLength: 6 }),
});

describe('codec round trip through a fake device', () => {
  it('reads back every peer as it was set', () => {
    fc.assert(
      fc.property(deviceConfig, (config) => {
        const device = fakeDevice();
        device.apply(encodeSetRequest(config));
        const state = decodeGetResponse(device.get());

        // An all-zero private key is how UAPI removes the key.
        const removed = config.privateKey === Buffer.alloc(32).toString('base64');
        expect(state.publicKey).toBe(removed ? undefined : publicKeyFromPrivate(config.privateKey!));
        expect(state.listenPort).toBe(config.listenPort);
        expect(state.fwmark).toBe(config.fwmark);
        const peers = config.peers ?? [];
        // The last peer to claim a prefix owns it.
        const owner = new Map(peers.flatMap((p) => (p.allowedIps ?? []).map((ip) => [canonicalCidr(ip), p.publicKey])));
        expect(state.peers.map((p) => p.publicKey)).toEqual(peers.map((p) => p.publicKey));
        state.peers.forEach((got, i) => {
          const want = peers[i]!;
          expect(got.presharedKey).toBe(want.presharedKey);
          expect(got.persistentKeepaliveInterval).toBe(want.persistentKeepaliveInterval ?? 0);
          expect(got.endpoint && formatEndpoint(got.endpoint)).toBe(want.endpoint && formatEndpoint(want.endpoint));
          const owned = [...owner].filter(([, publicKey]) => publicKey === want.publicKey).map(([ip]) => ip);
          expect(sameAllowedIps(got.allowedIps, owned)).toBe(true);
          expect(got.allowedIps.every((ip) => canonicalCidr(ip) === ip)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('decoder robustness', () => {
  const typed = (err: unknown): boolean =>
    ['ERR_WG_UAPI', 'ERR_WG_UAPI_PROTOCOL'].includes((err as { code?: unknown }).code as string);
  const decodesOrFailsTyped = (text: string): void => {
    for (const decode of [decodeGetResponse, decodeSetResponse]) {
      try {
        decode(text);
      } catch (err) {
        expect(typed(err), String(err)).toBe(true);
      }
    }
  };

  it('returns or throws a typed error on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), decodesOrFailsTyped), { numRuns: 1000 });
  });

  it('returns or throws a typed error on answers made of known keys with arbitrary values', () => {
    const keys = [
      'private_key',
      'own_public_key',
      'listen_port',
      'fwmark',
      'public_key',
      'preshared_key',
      'endpoint',
      'last_handshake_time_sec',
      'last_handshake_time_nsec',
      'rx_bytes',
      'tx_bytes',
      'persistent_keepalive_interval',
      'allowed_ip',
      'protocol_version',
      'errno',
    ];
    const value = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.bigInt({ min: -1n, max: 2n ** 65n }).map(String),
      address,
      prefix,
    );
    const line = fc.oneof(
      fc.tuple(fc.constantFrom(...keys), value).map(([k, v]) => `${k}=${v}`),
      fc.string({ maxLength: 30 }),
    );
    const answer = fc
      .tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom('errno=0', 'errno=-22', 'errno=x', ''))
      .map(([lines, last]) => `${[...lines, last].join('\n')}\n\n`);
    fc.assert(fc.property(answer, decodesOrFailsTyped), { numRuns: 2000 });
  });
});
