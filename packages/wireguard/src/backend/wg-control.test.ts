import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNamespace,
  describeWithTools,
  missingWireguardGo,
  onPath,
  type TestNamespace,
} from '../../test/netns.js';
import { peerState } from '../../test/peer-state.js';
import { generateKeyPair, generatePresharedKey } from '../keys.js';
import { createUapiClient, type UapiClient } from '../uapi/client.js';
import { reconcile } from './reconcile.js';
import { createWgControl, parseWgDump, wgSetArgs } from './wg-control.js';

const hubKeys = generateKeyPair();
const peer = generateKeyPair().publicKey;
const other = generateKeyPair().publicKey;
const psk = generatePresharedKey();

describe('parseWgDump', () => {
  it('reads the device line and peer lines as a UAPI get reports them', () => {
    const text = [
      `${hubKeys.privateKey}\t${hubKeys.publicKey}\t51820\t0x1234`,
      `${peer}\t${psk}\t[2001:DB8::1]:51821\t10.0.0.0/24,FD00::1/64\t1700000000\t12\t18446744073709551615\t25`,
      `${other}\t(none)\t(none)\t(none)\t0\t0\t0\toff`,
      '',
    ].join('\n');
    expect(parseWgDump(text)).toEqual({
      publicKey: hubKeys.publicKey,
      listenPort: 51820,
      fwmark: 4660,
      peers: [
        {
          publicKey: peer,
          presharedKey: psk,
          endpoint: { address: '2001:db8::1', port: 51821 },
          allowedIps: ['10.0.0.0/24', 'fd00::/64'],
          lastHandshake: new Date(1_700_000_000_000),
          rxBytes: 12n,
          txBytes: 18_446_744_073_709_551_615n,
          persistentKeepaliveInterval: 25,
          protocolVersion: undefined,
        },
        peerState(other, { protocolVersion: undefined }),
      ],
    });
  });

  it.each([
    ['', 'first line'],
    ['a\tb\tc', 'first line'],
    [`(none)\t(none)\t70000\toff`, 'listen-port'],
    [`(none)\t(none)\t0\t4660`, 'fwmark'],
    [`(none)\tnot-a-key\t0\toff`, 'public-key is not a key'],
    [`(none)\t(none)\t0\toff\n${peer}\t(none)`, 'peer line 1 does not have 8 fields'],
    [`(none)\t(none)\t0\toff\n${peer}\t(none)\tnowhere\t(none)\t0\t0\t0\toff`, 'endpoint'],
    [`(none)\t(none)\t0\toff\n${peer}\t(none)\t(none)\t10.0.0.0/99\t0\t0\t0\toff`, 'allowed-ips'],
    [`(none)\t(none)\t0\toff\n${peer}\t(none)\t(none)\t(none)\t0\t18446744073709551616\t0\toff`, 'transfer-rx'],
    [`(none)\t(none)\t0\toff\n(none)\t(none)\t(none)\t(none)\t0\t0\t0\toff`, 'no public key'],
  ])('refuses %j', (text, message) => {
    expect(() => parseWgDump(text)).toThrow(
      expect.objectContaining({ code: 'ERR_WG_UAPI_PROTOCOL', message: expect.stringContaining(message) }),
    );
  });
});

describe('wgSetArgs', () => {
  it('puts keys in files, never in the arguments', async () => {
    const written: (string | null)[] = [];
    const args = await wgSetArgs(
      {
        listenPort: 51820,
        fwmark: 0,
        privateKey: hubKeys.privateKey,
        peers: [
          { publicKey: other, remove: true },
          {
            publicKey: peer,
            presharedKey: psk,
            endpoint: { address: '192.0.2.1', port: 1 },
            allowedIps: ['10.0.0.1/24'],
          },
          { publicKey: other, presharedKey: null, persistentKeepaliveInterval: 0, replaceAllowedIps: true },
        ],
      },
      (key, index) => {
        written.push(key);
        return Promise.resolve(`/keys/${index}`);
      },
    );
    expect(args).toEqual([
      'listen-port',
      '51820',
      'fwmark',
      '0',
      'private-key',
      '/keys/0',
      'peer',
      other,
      'remove',
      'peer',
      peer,
      'preshared-key',
      '/keys/1',
      'endpoint',
      '192.0.2.1:1',
      'allowed-ips',
      '10.0.0.0/24',
      'peer',
      other,
      'preshared-key',
      '/keys/2',
      'persistent-keepalive',
      '0',
      'allowed-ips',
      '',
    ]);
    expect(written).toEqual([hubKeys.privateKey, psk, null]);
    expect(args.join(' ')).not.toContain(hubKeys.privateKey);
    expect(args.join(' ')).not.toContain(psk);
  });

  it.each([
    [{ replacePeers: true }, 'replacePeers'],
    [{ listenPort: 70_000 }, 'listenPort'],
    [{ peers: [{ publicKey: peer, endpoint: { address: 'hub.example', port: 1 } }] }, 'peers[0].endpoint'],
    [{ peers: [{ publicKey: peer, allowedIps: ['10.0.0.0/33'] }] }, 'peers[0].allowedIps[0]'],
    [{ peers: [{ publicKey: peer, persistentKeepaliveInterval: -1 }] }, 'persistentKeepaliveInterval'],
  ])('refuses %j', async (config, message) => {
    await expect(wgSetArgs(config, () => Promise.resolve('/x'))).rejects.toMatchObject({
      code: 'ERR_WG_CONFIG_INVALID',
      message: expect.stringContaining(message),
    });
  });

  it('checks keys before writing them', async () => {
    await expect(wgSetArgs({ privateKey: 'nope' }, () => Promise.resolve('/x'))).rejects.toMatchObject({
      code: 'ERR_WG_KEY_INVALID',
    });
  });
});

// `wg` drives a userspace device through its UAPI socket just as it drives a kernel one through netlink: the
// kernel backend's `wg` path runs for real here, against Debian's wireguard-go (no kernel module in CI).
const missing = missingWireguardGo() ?? (onPath('wg') ? undefined : '`wg` is not installed (wireguard-tools)');

describeWithTools('the `wg` device control against wireguard-go', missing, () => {
  let namespace: TestNamespace | undefined;
  let uapi: UapiClient;
  let iface: string;

  beforeAll(async () => {
    namespace = createTestNamespace();
    iface = `rwgw${namespace.suffix}`;
    const device = await namespace.startDevice(iface);
    uapi = createUapiClient({ socketPath: device.socketPath });
  });

  afterAll(async () => {
    await namespace?.close();
  });

  it('sets the private key, reconciles peers, and reads back what UAPI reports', async () => {
    const wg = createWgControl(iface, namespace!.name);
    await wg.set({ privateKey: hubKeys.privateKey });
    const result = await reconcile(wg, {
      listenPort: 51830,
      fwmark: 7,
      peers: [
        {
          publicKey: peer,
          presharedKey: psk,
          endpoint: { address: '192.0.2.7', port: 51820 },
          allowedIps: ['10.0.0.0/24'],
        },
        { publicKey: other, allowedIps: ['fd00::/64', '100.96.0.3/32'], persistentKeepalive: 25 },
      ],
    });
    expect(result).toMatchObject({ added: [peer, other], operations: 1 });
    const fromWg = await wg.get();
    const fromUapi = await uapi.get();
    expect(fromWg.publicKey).toBe(hubKeys.publicKey);
    expect(fromWg).toMatchObject({ listenPort: 51830, fwmark: 7 });
    const strip = (state: typeof fromWg) =>
      state.peers
        .map(({ protocolVersion: _v, allowedIps, ...rest }) => ({ ...rest, allowedIps: [...allowedIps].sort() }))
        .sort((a, b) => a.publicKey.localeCompare(b.publicKey));
    expect(strip(fromWg)).toEqual(strip(fromUapi));
  });

  it('changes one peer (preshared key removed, allowed IPs replaced), removes the other', async () => {
    const wg = createWgControl(iface, namespace!.name);
    const result = await reconcile(wg, {
      peers: [{ publicKey: peer, endpoint: { address: '192.0.2.7', port: 51820 }, allowedIps: ['10.1.0.0/24'] }],
    });
    expect(result).toMatchObject({ updated: [peer], removed: [other], operations: 1 });
    const state = await uapi.get();
    expect(state.peers).toHaveLength(1);
    expect(state.peers[0]).toMatchObject({ publicKey: peer, presharedKey: undefined, allowedIps: ['10.1.0.0/24'] });
    expect(await reconcile(wg, { peers: [{ publicKey: peer, allowedIps: ['10.1.0.0/24'] }] })).toMatchObject({
      operations: 0,
    });
  });

  it('reports a device that does not exist as ERR_WG_COMMAND_FAILED', async () => {
    await expect(createWgControl(`rwgz${namespace!.suffix}`, namespace!.name).get()).rejects.toMatchObject({
      code: 'ERR_WG_COMMAND_FAILED',
      message: expect.stringContaining('wg show'),
    });
  });
});
