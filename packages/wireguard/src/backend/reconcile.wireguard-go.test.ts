import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestNamespace,
  describeWithTools,
  linkNamespaces,
  missingTunnelTools,
  type TestNamespace,
} from '../../test/netns.js';
import { generateKeyPair, generatePresharedKey } from '../keys.js';
import { createUapiClient, type UapiClient } from '../uapi/client.js';
import type { PeerState } from '../uapi/types.js';
import { reconcile } from './reconcile.js';
import type { DesiredDevice } from './types.js';

// The reconciler against two Debian wireguard-go devices in two network namespaces joined by a veth pair: a peer
// with a live session keeps its handshake and counters while other peers are added, changed and removed.

const missing = missingTunnelTools();

describeWithTools('reconcile against wireguard-go in network namespaces', missing, () => {
  let hubNs: TestNamespace | undefined;
  let siteNs: TestNamespace | undefined;
  let hub: UapiClient;
  let site: UapiClient;
  const hubKeys = generateKeyPair();
  const siteKeys = generateKeyPair();
  const laptop = generateKeyPair().publicKey;
  const printer = generateKeyPair().publicKey;
  const phone = generateKeyPair().publicKey;
  const psk = generatePresharedKey();

  beforeAll(async () => {
    hubNs = createTestNamespace();
    siteNs = createTestNamespace();
    linkNamespaces(hubNs, siteNs);
    const hubDevice = await hubNs.startDevice(`rwgh${hubNs.suffix}`);
    const siteDevice = await siteNs.startDevice(`rwgs${siteNs.suffix}`);
    for (const [ns, iface, address] of [
      [hubNs, hubDevice.iface, '100.96.0.1/24'],
      [siteNs, siteDevice.iface, '100.96.0.2/24'],
    ] as const) {
      ns.exec('ip', ['address', 'add', address, 'dev', iface]);
      ns.exec('ip', ['link', 'set', iface, 'up']);
    }
    hub = createUapiClient({ socketPath: hubDevice.socketPath });
    site = createUapiClient({ socketPath: siteDevice.socketPath });
    await hub.set({ privateKey: hubKeys.privateKey });
    await site.set({ privateKey: siteKeys.privateKey });
  });

  afterAll(async () => {
    await hubNs?.close();
    await siteNs?.close();
  });

  const hubDesired: DesiredDevice = {
    listenPort: 51820,
    peers: [
      { publicKey: siteKeys.publicKey, presharedKey: psk, allowedIps: ['100.96.0.2/32'] },
      { publicKey: laptop, allowedIps: ['100.96.0.3/32'] },
      { publicKey: printer, endpoint: { address: '192.0.2.99', port: 51820 }, allowedIps: ['100.96.0.4/32'] },
    ],
  };
  let before: PeerState;

  it('brings up a session between hub and site, both configured by reconcile', async () => {
    expect(await reconcile(hub, hubDesired)).toMatchObject({ added: hubDesired.peers.map((p) => p.publicKey) });
    await reconcile(site, {
      listenPort: 51821,
      peers: [
        {
          publicKey: hubKeys.publicKey,
          presharedKey: psk,
          endpoint: { address: '192.0.2.1', port: 51820 },
          allowedIps: ['100.96.0.0/24'],
        },
      ],
    });
    siteNs!.exec('ping', ['-c', '3', '-i', '0.2', '-W', '5', '100.96.0.1']);
    before = (await hub.get()).peers.find((p) => p.publicKey === siteKeys.publicKey)!;
    expect(before.lastHandshake).toBeInstanceOf(Date);
    expect(before.rxBytes).toBeGreaterThan(0n);
    expect(before.endpoint).toEqual({ address: '192.0.2.2', port: 51821 }); // learnt from the site's packets
  });

  it('adds, changes and removes other peers without touching the site peer', async () => {
    const result = await reconcile(hub, {
      listenPort: 51820,
      peers: [
        hubDesired.peers[0]!,
        { publicKey: laptop, allowedIps: ['100.96.0.3/32', '100.96.1.0/24'], persistentKeepalive: 25 },
        { publicKey: phone, allowedIps: ['100.96.0.5/32'] },
      ],
    });
    expect(result).toEqual({
      added: [phone],
      updated: [laptop],
      removed: [printer],
      unchanged: 1,
      deviceUpdated: false,
      operations: 1,
    });
    const after = (await hub.get()).peers.find((p) => p.publicKey === siteKeys.publicKey)!;
    // The same session: the handshake time is the same, and counters did not restart (they only grow).
    expect(after.lastHandshake).toEqual(before.lastHandshake);
    expect(after.rxBytes).toBeGreaterThanOrEqual(before.rxBytes);
    expect(after.txBytes).toBeGreaterThanOrEqual(before.txBytes);
    expect(after.endpoint).toEqual(before.endpoint);
    expect(after.presharedKey).toBe(psk);
  });

  it('keeps traffic flowing on the untouched session, with no new handshake', async () => {
    siteNs!.exec('ping', ['-c', '2', '-i', '0.2', '-W', '5', '100.96.0.1']);
    const after = (await hub.get()).peers.find((p) => p.publicKey === siteKeys.publicKey)!;
    expect(after.lastHandshake).toEqual(before.lastHandshake);
    expect(after.rxBytes).toBeGreaterThan(before.rxBytes);
  });

  it('sends no set at all when the device already matches', async () => {
    const result = await reconcile(hub, {
      listenPort: 51820,
      peers: [
        hubDesired.peers[0]!,
        { publicKey: laptop, allowedIps: ['100.96.1.0/24', '100.96.0.3'], persistentKeepalive: 25 },
        { publicKey: phone, allowedIps: ['100.96.0.5/32'] },
      ],
    });
    expect(result).toMatchObject({ unchanged: 3, operations: 0 });
  });
});
