import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNamespace,
  describeWithTools,
  missingWireguardGo,
  onPath,
  type TestNamespace,
} from '../test/netns.js';
import { generateKeyPair, generatePresharedKey, publicKeyFromPrivate } from './keys.js';
import { createUapiClient } from './uapi/client.js';
import { renderWgQuickConfig, type WgQuickConfig } from './wg-quick.js';

const device = generateKeyPair();
const hub = generateKeyPair();
const psk = generatePresharedKey();

const full: WgQuickConfig = {
  privateKey: device.privateKey,
  address: '100.96.0.7/32',
  dns: ['100.96.0.1', 'FD7A::53', 'Corp.Example'],
  mtu: 1420,
  peer: {
    publicKey: hub.publicKey,
    presharedKey: psk,
    endpoint: { host: '192.0.2.10', port: 51820 },
    allowedIps: ['100.96.0.1', '10.0.0.1/24', 'FD00::/64', '10.0.0.0/24'],
    persistentKeepalive: 25,
  },
};

describe('renderWgQuickConfig', () => {
  it('renders [Interface] and [Peer] with every field canonical', () => {
    expect(renderWgQuickConfig(full)).toBe(
      [
        '[Interface]',
        `PrivateKey = ${device.privateKey}`,
        'Address = 100.96.0.7/32',
        'DNS = 100.96.0.1, fd7a::53, corp.example',
        'MTU = 1420',
        '',
        '[Peer]',
        `PublicKey = ${hub.publicKey}`,
        `PresharedKey = ${psk}`,
        'Endpoint = 192.0.2.10:51820',
        'AllowedIPs = 10.0.0.0/24, 100.96.0.1/32, fd00::/64',
        'PersistentKeepalive = 25',
        '',
      ].join('\n'),
    );
  });

  it('renders a placeholder comment when the user brought their own key, and only the fields given', () => {
    expect(
      renderWgQuickConfig({
        address: '100.96.0.8',
        peer: {
          publicKey: hub.publicKey,
          endpoint: { host: 'Hub.Example.com', port: 443 },
          allowedIps: ['0.0.0.0/0', '::/0'],
        },
      }),
    ).toBe(
      [
        '[Interface]',
        '# PrivateKey = (add the private key of the key pair whose public key you registered)',
        'Address = 100.96.0.8/32',
        '',
        '[Peer]',
        `PublicKey = ${hub.publicKey}`,
        'Endpoint = hub.example.com:443',
        'AllowedIPs = 0.0.0.0/0, ::/0',
        '',
      ].join('\n'),
    );
  });

  it('keeps the host bits of the address and brackets an IPv6 endpoint', () => {
    const text = renderWgQuickConfig({
      ...full,
      address: 'FD7A:0::7/48',
      peer: { ...full.peer, endpoint: { host: '2001:DB8:0::10', port: 51820 } },
    });
    expect(text).toContain('\nAddress = fd7a::7/48\n');
    expect(text).toContain('\nEndpoint = [2001:db8::10]:51820\n');
  });

  const injections = ['\n[Peer]', '\rPostUp = id', ' # comment', ' = x', '\0'];

  it.each<[string, (evil: string) => WgQuickConfig, string]>([
    ['address', (evil) => ({ ...full, address: `100.96.0.7/32${evil}` }), 'address'],
    ['dns', (evil) => ({ ...full, dns: [`1.1.1.1${evil}`] }), 'dns[0]'],
    ['dns search domain', (evil) => ({ ...full, dns: ['1.1.1.1', `corp.example${evil}`] }), 'dns[1]'],
    [
      'endpoint host',
      (evil) => ({ ...full, peer: { ...full.peer, endpoint: { host: `hub${evil}`, port: 1 } } }),
      'host',
    ],
    ['allowed IP', (evil) => ({ ...full, peer: { ...full.peer, allowedIps: [`10.0.0.0/8${evil}`] } }), 'prefix'],
  ])('refuses an injection in the %s', (_, build, field) => {
    for (const evil of injections) {
      expect(() => renderWgQuickConfig(build(evil))).toThrow(
        expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID', message: expect.stringContaining(field) }),
      );
    }
  });

  it.each<[string, WgQuickConfig]>([
    ['privateKey', { ...full, privateKey: `${device.privateKey}\nDNS = 1.1.1.1` }],
    ['peer.publicKey', { ...full, peer: { ...full.peer, publicKey: `${hub.publicKey} # x` } }],
    ['peer.presharedKey', { ...full, peer: { ...full.peer, presharedKey: `${psk}=` } }],
  ])('refuses a malformed %s with ERR_WG_KEY_INVALID, without echoing it', (field, config) => {
    expect(() => renderWgQuickConfig(config)).toThrow(
      expect.objectContaining({ code: 'ERR_WG_KEY_INVALID', message: expect.stringContaining(field) }),
    );
  });

  it.each<[string, WgQuickConfig]>([
    ['mtu', { ...full, mtu: 1279 }],
    ['mtu', { ...full, mtu: 1420.5 }],
    ['peer.endpoint.port', { ...full, peer: { ...full.peer, endpoint: { host: 'hub', port: 0 } } }],
    ['peer.endpoint.port', { ...full, peer: { ...full.peer, endpoint: { host: 'hub', port: 65_536 } } }],
    ['peer.persistentKeepalive', { ...full, peer: { ...full.peer, persistentKeepalive: 0 } }],
    ['peer.allowedIps', { ...full, peer: { ...full.peer, allowedIps: [] } }],
    ['peer.endpoint.host', { ...full, peer: { ...full.peer, endpoint: { host: '10.0.0.256', port: 1 } } }],
    ['peer.endpoint.host', { ...full, peer: { ...full.peer, endpoint: { host: '-hub.example', port: 1 } } }],
    ['peer.endpoint.host', { ...full, peer: { ...full.peer, endpoint: { host: 'fe80::1%eth0', port: 1 } } }],
    ['address', { ...full, address: '100.96.0.0/24/1' }],
    ['address', { ...full, address: '100.96.0.7/33' }],
    ['dns[0]', { ...full, dns: ['hub_name'] }],
  ])('refuses an out-of-range or malformed %s', (field, config) => {
    expect(() => renderWgQuickConfig(config)).toThrow(
      expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID', message: expect.stringContaining(field) }),
    );
  });
});

function missingTools(): string | undefined {
  if (!onPath('wg-quick') || !onPath('wg'))
    return '`wg-quick` and `wg` are not installed (Debian package wireguard-tools)';
  if (!onPath('bash')) return 'wg-quick needs bash';
  return missingWireguardGo();
}

// wg-quick strip only drops what wg-quick itself handles, so the real check is `wg setconf` on a real device.
describeWithTools('rendered configs against wg-quick strip and wg setconf', missingTools(), () => {
  let namespace: TestNamespace | undefined;
  let dir: string | undefined;

  beforeAll(() => {
    namespace = createTestNamespace();
    dir = mkdtempSync(join(tmpdir(), 'rwg-quick-'));
  });

  afterAll(async () => {
    await namespace?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  // wg-quick takes the interface name from the file name, and warns about a config others can read.
  function strip(iface: string, config: string): string {
    return execFileSync('wg-quick', ['strip', write(`${iface}.conf`, config)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  function write(name: string, text: string): string {
    const path = join(dir!, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  it('wg-quick strip leaves the wg(8) config: keys and peer, without Address, DNS and MTU', () => {
    expect(strip(`rwgq${namespace!.suffix}`, renderWgQuickConfig(full))).toBe(
      [
        '[Interface]',
        `PrivateKey = ${device.privateKey}`,
        '',
        '[Peer]',
        `PublicKey = ${hub.publicKey}`,
        `PresharedKey = ${psk}`,
        'Endpoint = 192.0.2.10:51820',
        'AllowedIPs = 10.0.0.0/24, 100.96.0.1/32, fd00::/64',
        'PersistentKeepalive = 25',
        '', // wg-quick strip prints a blank line after the config it read
        '',
      ].join('\n'),
    );
  });

  it.each<[string, WgQuickConfig]>([
    ['a generated key', full],
    [
      "the user's own key and an IPv6 endpoint",
      { ...full, privateKey: undefined, peer: { ...full.peer, endpoint: { host: '2001:db8::10', port: 51820 } } },
    ],
  ])('wg setconf applies the stripped config with %s to wireguard-go', async (_, config) => {
    const ns = namespace!;
    const iface = `rwg${config.privateKey === undefined ? 'b' : 'g'}${ns.suffix}`;
    const { socketPath } = await ns.startDevice(iface);
    ns.exec('wg', ['setconf', iface, write(`${iface}.stripped`, strip(iface, renderWgQuickConfig(config)))]);

    const state = await createUapiClient({ socketPath, timeoutMs: 5000 }).get();
    expect(state.publicKey).toBe(config.privateKey === undefined ? undefined : publicKeyFromPrivate(device.privateKey));
    expect(state.peers).toEqual([
      expect.objectContaining({
        publicKey: hub.publicKey,
        presharedKey: psk,
        endpoint: config.peer.endpoint.host.includes(':')
          ? { address: '2001:db8::10', port: 51820 }
          : { address: '192.0.2.10', port: 51820 },
        allowedIps: ['10.0.0.0/24', '100.96.0.1/32', 'fd00::/64'],
        persistentKeepaliveInterval: 25,
      }),
    ]);
  });
});
