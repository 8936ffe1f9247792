import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerEnd, decodeGetResponse, decodeSetResponse, encodeSetRequest } from './codec.js';
import type { DeviceConfig } from './types.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const NO_HANDSHAKE = {
  lastHandshake: undefined,
  rxBytes: 0n,
  txBytes: 0n,
  persistentKeepaliveInterval: 0,
};

// Expected keys were converted from the fixtures' hex with xxd and base64, public keys derived with `wg pubkey`.
describe('decodeGetResponse on recorded and documented answers', () => {
  it('decodes a configured wireguard-go 0.0.20220316 hub with three peers, one after a handshake', () => {
    expect(decodeGetResponse(fixture('wireguard-go-hub.txt'))).toEqual({
      publicKey: '5ZUdtSjPGUCSwQ+ed4YnhJvNdiuxILAV3MVp679TKGs=',
      listenPort: 51820,
      fwmark: 0x1234,
      peers: [
        {
          publicKey: 'c4Y3S+1HxRjCa4xVfMehhUzi49d1/mv0xWuctHHOSwY=',
          presharedKey: undefined,
          endpoint: undefined,
          // Configured as 10.0.0.1/24 and FD00:0:0:0::1/64.
          allowedIps: ['10.0.0.0/24', 'fd00::/64'],
          protocolVersion: 1,
          ...NO_HANDSHAKE,
        },
        {
          publicKey: 'nZMnaiGLmGusevCrl4xsQV+ckYcgcQBoWpbLLtJqgUg=',
          presharedKey: 'ui1C9mAfPRNK+EC7C5M0O/ch8kFnKK7/hAItBhCvs7I=',
          endpoint: { address: '192.0.2.2', port: 51821 },
          allowedIps: ['100.64.0.2/32', 'fd7a:115c:a1e0::2/128'],
          lastHandshake: new Date('2026-11-28T06:25:17.301Z'),
          rxBytes: 564n,
          txBytes: 656n,
          persistentKeepaliveInterval: 25,
          protocolVersion: 1,
        },
        {
          publicKey: 'j2cUdtfO8wCEejBP3hRqKjfYDgmODD2perLHpgYBiH4=',
          presharedKey: undefined,
          endpoint: { address: '2001:db8::c', port: 51820 },
          allowedIps: ['100.64.1.0/24', '2001:db8:c::/48'],
          protocolVersion: 1,
          ...NO_HANDSHAKE,
        },
      ],
    });
  });

  it('decodes a fresh wireguard-go device: no key, no peers', () => {
    expect(decodeGetResponse(fixture('wireguard-go-empty.txt'))).toEqual({
      publicKey: undefined,
      listenPort: 36943,
      fwmark: 0,
      peers: [],
    });
  });

  // boringtun (device/api.rs) reports own_public_key instead of private_key, no protocol_version, omits unset
  // keys, orders them differently and reports rx_bytes before tx_bytes. It also reports last_handshake_time as
  // the time *since* the handshake; the decoder reports what the device says (42.5 s after the epoch here).
  it('decodes boringtun: own_public_key, other order, omitted keys, a counter at 2^64-1', () => {
    expect(decodeGetResponse(fixture('boringtun-hub.txt'))).toEqual({
      publicKey: '1s23i2iqtanLh420KcXzXTuA2Cwn6Uov+n7TISRlliw=',
      listenPort: 51820,
      fwmark: 0,
      peers: [
        {
          publicKey: 'hua0zoDNm4ZU93u4SO9xM2TYio3d36yt248xYa4fxRM=',
          presharedKey: 'OExRIV/X6e6etR7f9h4MiLd4U3rzUh4A+5ynT9doHF8=',
          endpoint: { address: '2001:db8::1', port: 51821 },
          allowedIps: ['100.64.0.2/32', 'fd7a:115c:a1e0::2/128'],
          lastHandshake: new Date(42_500),
          rxBytes: 18446744073709551615n,
          txBytes: 1234n,
          persistentKeepaliveInterval: 25,
          protocolVersion: undefined,
        },
        {
          publicKey: 'pj5rhIKF6mHJ6f+IcB2D9dxqPcSuZFhRHFPUdFp5UFo=',
          presharedKey: undefined,
          endpoint: { address: '192.0.2.3', port: 51820 },
          allowedIps: ['100.64.1.0/24'],
          protocolVersion: undefined,
          ...NO_HANDSHAKE,
        },
      ],
    });
  });

  // AmneziaWG (a wireguard-go fork) adds jc, jmin, jmax, s1, h1 ...; newer versions may add others.
  it('ignores unknown keys at device and peer level', () => {
    const state = decodeGetResponse(fixture('unknown-keys.txt'));
    expect(state.publicKey).toBe('gFGRmmixnEI0nZxJZm+mZmGD8bGgKgEfUqjMc/KiMRo=');
    expect(state.peers).toEqual([
      {
        publicKey: 'Ub2I29WbOIGrzgNyaOvFtGn6R6nxGvL+WxFrLzydzmU=',
        presharedKey: undefined,
        endpoint: { address: '192.0.2.2', port: 51821 },
        allowedIps: ['100.64.0.2/32'],
        protocolVersion: 1,
        ...NO_HANDSHAKE,
      },
    ]);
  });

  it.each([
    ['wireguard-go-set-invalid.txt', -22, 'EINVAL'],
    ['errno-positive.txt', 1, 'EPERM'],
  ])('reports %s as ERR_WG_UAPI with its errno', (name, errno, errnoName) => {
    for (const decode of [decodeGetResponse, decodeSetResponse]) {
      expect(() => decode(fixture(name))).toThrow(
        expect.objectContaining({
          code: 'ERR_WG_UAPI',
          details: { errno },
          message: expect.stringContaining(`errno=${errno} (${errnoName})`),
        }),
      );
    }
  });
});

describe('decodeGetResponse on malformed answers', () => {
  const KEY = `public_key=${'ab'.repeat(32)}`;
  it.each([
    ['a truncated answer', `${KEY}\nrx_bytes=1\n`, 'does not end with a blank line'],
    ['an answer without errno', `${KEY}\n\n`, 'does not end with an errno line'],
    ['a bare blank line', '\n', 'does not end with an errno line'],
    ['a blank line inside', `${KEY}\n\nerrno=0\n\n`, 'blank line before its end'],
    ['errno before the end', `errno=0\n${KEY}\nerrno=0\n\n`, 'errno on line 1'],
    ['an errno that is not a number', 'errno=zero\n\n', 'errno line'],
    ['a line without "="', `${KEY}\ngarbage\nerrno=0\n\n`, 'line 2 of the answer is not key=value'],
    ['an empty key', `=1\nerrno=0\n\n`, 'line 1'],
    ['a peer key before any peer', 'rx_bytes=1\nerrno=0\n\n', 'before any public_key'],
    ['a device key after a peer', `${KEY}\nlisten_port=1\nerrno=0\n\n`, 'after the first peer'],
    ['a short key', 'public_key=abcd\nerrno=0\n\n', 'public_key on line 1 is not a 64-digit hex key'],
    ['a base64 key', `public_key=${'A'.repeat(43)}=\nerrno=0\n\n`, 'hex key'],
    ['a bad endpoint', `${KEY}\nendpoint=example.com:1\nerrno=0\n\n`, 'endpoint on line 2'],
    ['a bad allowed IP', `${KEY}\nallowed_ip=10.0.0.0/33\nerrno=0\n\n`, 'allowed_ip on line 2'],
    ['a counter above 2^64-1', `${KEY}\nrx_bytes=18446744073709551616\nerrno=0\n\n`, 'rx_bytes on line 2'],
    ['a negative counter', `${KEY}\ntx_bytes=-1\nerrno=0\n\n`, 'tx_bytes on line 2'],
    ['nanoseconds of a second or more', `${KEY}\nlast_handshake_time_nsec=1000000000\nerrno=0\n\n`, 'nsec'],
    ['a handshake beyond Date', `${KEY}\nlast_handshake_time_sec=8640000000000\nerrno=0\n\n`, 'sec on line 2'],
    ['a port above 65535', 'listen_port=65536\nerrno=0\n\n', 'listen_port on line 1'],
    ['a port with a sign', 'listen_port=+1\nerrno=0\n\n', 'listen_port on line 1'],
    ['a carriage return', 'listen_port=1\r\nerrno=0\n\n', 'listen_port on line 1'],
  ])('refuses %s with ERR_WG_UAPI_PROTOCOL', (_name, answer, reason) => {
    expect(() => decodeGetResponse(answer)).toThrow(
      expect.objectContaining({ code: 'ERR_WG_UAPI_PROTOCOL', message: expect.stringContaining(reason) }),
    );
  });

  it('never puts a key value in an error message', () => {
    const secret = `${'5'.repeat(63)}z`;
    expect(() => decodeGetResponse(`private_key=${secret}\nerrno=0\n\n`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });

  it('reports errno before looking at the rest of the answer', () => {
    expect(() => decodeGetResponse('garbage\nerrno=-2\n\n')).toThrow(
      expect.objectContaining({ code: 'ERR_WG_UAPI', details: { errno: -2 } }),
    );
  });

  it('accepts a set answer with unknown keys but not with garbage', () => {
    expect(() => decodeSetResponse('errno=0\n\n')).not.toThrow();
    expect(() => decodeSetResponse('note=applied\nerrno=0\n\n')).not.toThrow();
    expect(() => decodeSetResponse('applied\nerrno=0\n\n')).toThrow(
      expect.objectContaining({ code: 'ERR_WG_UAPI_PROTOCOL' }),
    );
  });
});

describe('answerEnd', () => {
  it('finds the blank line that ends an answer, also across two chunks', () => {
    expect(answerEnd('', 'errno=0\n')).toBe(-1);
    expect(answerEnd('', 'errno=0\n\n')).toBe(9);
    expect(answerEnd('', 'errno=0\n\nlisten_port=1\n')).toBe(9);
    expect(answerEnd('', '\n')).toBe(1);
    expect(answerEnd('\n', '\nmore')).toBe(1);
    expect(answerEnd('0', '\nerrno=0\n')).toBe(-1);
  });
});

const HUB_PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const SITE_PUBLIC = 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=';
const PSK = '//////////////////////////////////////////8=';
const hex = (key: string): string => Buffer.from(key, 'base64').toString('hex');

describe('encodeSetRequest', () => {
  it('encodes every field in protocol order, keys in lowercase hex, prefixes canonical', () => {
    const config: DeviceConfig = {
      privateKey: HUB_PRIVATE,
      listenPort: 51820,
      fwmark: 0x1234,
      replacePeers: true,
      peers: [
        {
          publicKey: SITE_PUBLIC,
          updateOnly: true,
          presharedKey: PSK,
          endpoint: { address: '2001:DB8:0:0::1', port: 51821 },
          persistentKeepaliveInterval: 25,
          replaceAllowedIps: true,
          allowedIps: ['10.0.0.1/24', 'FD00::1/64', '100.64.0.2'],
        },
        { publicKey: PSK, remove: true },
      ],
    };
    expect(encodeSetRequest(config)).toBe(
      [
        'set=1',
        `private_key=${hex(HUB_PRIVATE)}`,
        'listen_port=51820',
        'fwmark=4660',
        'replace_peers=true',
        `public_key=${hex(SITE_PUBLIC)}`,
        'update_only=true',
        `preshared_key=${'ff'.repeat(32)}`,
        'endpoint=[2001:db8::1]:51821',
        'persistent_keepalive_interval=25',
        'replace_allowed_ips=true',
        'allowed_ip=10.0.0.0/24',
        'allowed_ip=fd00::/64',
        'allowed_ip=100.64.0.2/32',
        `public_key=${'ff'.repeat(32)}`,
        'remove=true',
        '',
        '',
      ].join('\n'),
    );
  });

  it('sends all-zero keys to remove the private key or a preshared key', () => {
    expect(encodeSetRequest({ privateKey: null, peers: [{ publicKey: SITE_PUBLIC, presharedKey: null }] })).toBe(
      `set=1\nprivate_key=${'0'.repeat(64)}\npublic_key=${hex(SITE_PUBLIC)}\npreshared_key=${'0'.repeat(64)}\n\n`,
    );
  });

  it('leaves out what does not change: false flags, absent fields', () => {
    expect(encodeSetRequest({})).toBe('set=1\n\n');
    expect(encodeSetRequest({ replacePeers: false, peers: [{ publicKey: SITE_PUBLIC, remove: false }] })).toBe(
      `set=1\npublic_key=${hex(SITE_PUBLIC)}\n\n`,
    );
  });

  it.each<[string, DeviceConfig, string, string]>([
    [
      'a newline in a public key',
      { peers: [{ publicKey: `${SITE_PUBLIC}\nremove=true` }] },
      'ERR_WG_KEY_INVALID',
      'peers[0].publicKey',
    ],
    ['"=" smuggled into a private key', { privateKey: `${'A'.repeat(41)}=\n=` }, 'ERR_WG_KEY_INVALID', 'privateKey'],
    [
      'a newline in a preshared key',
      { peers: [{ publicKey: SITE_PUBLIC, presharedKey: `\n${PSK}` }] },
      'ERR_WG_KEY_INVALID',
      'peers[0].presharedKey',
    ],
    [
      'a key=value line in an endpoint zone',
      { peers: [{ publicKey: SITE_PUBLIC, endpoint: { address: 'fe80::1%x\nprivate_key=00', port: 1 } }] },
      'ERR_WG_CONFIG_INVALID',
      'peers[0].endpoint',
    ],
    [
      'a key=value line in an allowed IP',
      { peers: [{ publicKey: SITE_PUBLIC, allowedIps: ['10.0.0.0/8', '10.0.0.0/8\nallowed_ip=0.0.0.0/0'] }] },
      'ERR_WG_CONFIG_INVALID',
      'peers[0].allowedIps[1]',
    ],
    [
      'a host name endpoint',
      { peers: [{ publicKey: SITE_PUBLIC, endpoint: { address: 'hub.example.com', port: 51820 } }] },
      'ERR_WG_CONFIG_INVALID',
      'IP literal',
    ],
    [
      'port 0 in an endpoint',
      { peers: [{ publicKey: SITE_PUBLIC, endpoint: { address: '192.0.2.1', port: 0 } }] },
      'ERR_WG_CONFIG_INVALID',
      'port 1-65535',
    ],
    [
      'a listen port above 65535',
      { listenPort: 65536 },
      'ERR_WG_CONFIG_INVALID',
      'listenPort must be an integer 0-65535',
    ],
    ['a fractional fwmark', { fwmark: 1.5 }, 'ERR_WG_CONFIG_INVALID', 'fwmark'],
    [
      'a negative keepalive',
      { peers: [{ publicKey: SITE_PUBLIC, persistentKeepaliveInterval: -1 }] },
      'ERR_WG_CONFIG_INVALID',
      'persistentKeepaliveInterval',
    ],
    ['NaN as a port', { listenPort: Number.NaN }, 'ERR_WG_CONFIG_INVALID', 'listenPort'],
    [
      'a string as a flag',
      { replacePeers: 'true' as unknown as boolean },
      'ERR_WG_CONFIG_INVALID',
      'replacePeers must be a boolean',
    ],
    [
      'remove with other changes',
      { peers: [{ publicKey: SITE_PUBLIC, remove: true, allowedIps: ['10.0.0.0/8'], updateOnly: false }] },
      'ERR_WG_CONFIG_INVALID',
      'remove cannot be combined with allowedIps, updateOnly',
    ],
  ])('refuses %s', (_name, config, code, reason) => {
    expect(() => encodeSetRequest(config)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(reason) }),
    );
  });
});
