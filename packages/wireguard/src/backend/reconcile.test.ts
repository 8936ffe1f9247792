import { afterEach, describe, expect, it } from 'vitest';
import { startFakeUapi, type FakeUapiDevice } from '../../test/fake-uapi.js';
import { peerState } from '../../test/peer-state.js';
import { generateKeyPair, generatePresharedKey, keyToHex } from '../keys.js';
import { createUapiClient } from '../uapi/client.js';
import type { DeviceState, PeerState } from '../uapi/types.js';
import { canonicalDesired, planChanges, reconcile } from './reconcile.js';
import type { DesiredDevice } from './types.js';

const a = generateKeyPair().publicKey;
const b = generateKeyPair().publicKey;
const c = generateKeyPair().publicKey;
const psk = generatePresharedKey();

function device(peers: PeerState[], fields: Partial<DeviceState> = {}): DeviceState {
  return { publicKey: undefined, listenPort: 51820, fwmark: 0, peers, ...fields };
}

const plan = (current: DeviceState, desired: DesiredDevice) => planChanges(current, canonicalDesired(desired));

describe('canonicalDesired', () => {
  it.each([
    [{ peers: 'x' }, 'ERR_WG_CONFIG_INVALID', 'peers array'],
    [{ peers: [{ publicKey: a, allowedIps: ['10.0.0.300/32'] }] }, 'ERR_WG_CONFIG_INVALID', 'peers[0].allowedIps'],
    [{ peers: [{ publicKey: a, allowedIps: '10.0.0.1/32' }] }, 'ERR_WG_CONFIG_INVALID', 'peers[0].allowedIps'],
    [{ peers: [{ publicKey: 'nope', allowedIps: [] }] }, 'ERR_WG_KEY_INVALID', 'peers[0].publicKey'],
    [{ peers: [{ publicKey: a, presharedKey: `${psk}\n`, allowedIps: [] }] }, 'ERR_WG_KEY_INVALID', 'presharedKey'],
    [
      { peers: [{ publicKey: a, endpoint: { address: 'hub.example', port: 1 }, allowedIps: [] }] },
      'ERR_WG_CONFIG_INVALID',
      'peers[0].endpoint must be an IP literal',
    ],
    [
      { peers: [{ publicKey: a, persistentKeepalive: 70_000, allowedIps: [] }] },
      'ERR_WG_CONFIG_INVALID',
      'peers[0].persistentKeepalive',
    ],
    [
      {
        peers: [
          { publicKey: a, allowedIps: [] },
          { publicKey: a, allowedIps: [] },
        ],
      },
      'ERR_WG_CONFIG_INVALID',
      'peers[1].publicKey appears twice',
    ],
    [{ listenPort: 0, peers: [] }, 'ERR_WG_CONFIG_INVALID', 'listenPort'],
    [{ fwmark: -1, peers: [] }, 'ERR_WG_CONFIG_INVALID', 'fwmark'],
  ])('refuses %j', (desired, code, message) => {
    expect(() => canonicalDesired(desired as unknown as DesiredDevice)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(message) }),
    );
  });

  it('never puts a key in its message', () => {
    const bad = `${psk.slice(0, 40)}!!!=`;
    expect(() => canonicalDesired({ peers: [{ publicKey: a, presharedKey: bad, allowedIps: [] }] })).toThrow(
      expect.objectContaining({ code: 'ERR_WG_KEY_INVALID', message: expect.not.stringContaining(bad.slice(0, 20)) }),
    );
  });
});

describe('planChanges', () => {
  it('sends nothing when the device matches, however the prefixes are spelled or ordered', () => {
    const current = device([
      peerState(a, { allowedIps: ['fd00::/64', '10.0.0.0/24'], persistentKeepaliveInterval: 25 }),
      peerState(b, { presharedKey: psk, allowedIps: ['100.96.0.2/32'] }),
    ]);
    const result = plan(current, {
      listenPort: 51820,
      peers: [
        { publicKey: a, allowedIps: ['10.0.0.7/24', 'FD00:0::1/64', '10.0.0.0/24'], persistentKeepalive: 25 },
        { publicKey: b, presharedKey: psk, allowedIps: ['100.96.0.2'] },
      ],
    });
    expect(result).toEqual({
      config: undefined,
      added: [],
      updated: [],
      removed: [],
      unchanged: 2,
      deviceUpdated: false,
    });
  });

  it('leaves an endpoint the device learnt alone when none is desired, and corrects one that is', () => {
    const learnt = { address: '198.51.100.7', port: 40_000 };
    const current = device([peerState(a, { endpoint: learnt }), peerState(b, { endpoint: learnt })]);
    const result = plan(current, {
      peers: [
        { publicKey: a, allowedIps: [] },
        { publicKey: b, endpoint: { address: '2001:DB8::1', port: 51820 }, allowedIps: [] },
      ],
    });
    expect(result.config).toEqual({
      peers: [{ publicKey: b, endpoint: { address: '2001:db8::1', port: 51820 }, updateOnly: true }],
    });
    expect(result.unchanged).toBe(1);
  });

  it('changes only the fields that differ, replacing allowed IPs only where they differ', () => {
    const current = device([
      peerState(a, { presharedKey: psk, allowedIps: ['10.0.0.0/24'] }),
      peerState(b, { allowedIps: ['100.96.0.2/32'], persistentKeepaliveInterval: 25 }),
    ]);
    const result = plan(current, {
      peers: [
        { publicKey: a, allowedIps: ['10.0.0.0/24'] }, // preshared key dropped
        { publicKey: b, allowedIps: ['100.96.0.2/32', '100.96.0.3/32'] }, // keepalive off, one more prefix
      ],
    });
    expect(result.config).toEqual({
      peers: [
        { publicKey: a, presharedKey: null, updateOnly: true },
        {
          publicKey: b,
          persistentKeepaliveInterval: 0,
          replaceAllowedIps: true,
          allowedIps: ['100.96.0.2/32', '100.96.0.3/32'],
          updateOnly: true,
        },
      ],
    });
    expect(result.updated).toEqual([a, b]);
  });

  it('removes extra peers first (freeing their prefixes), then updates, then adds; never replace_peers', () => {
    const current = device([peerState(a, { allowedIps: ['100.96.0.2/32'] }), peerState(b)], { fwmark: 1 });
    const result = plan(current, {
      listenPort: 51821,
      fwmark: 1,
      peers: [
        { publicKey: c, presharedKey: psk, allowedIps: ['100.96.0.2/32'], persistentKeepalive: 25 },
        { publicKey: b, allowedIps: ['100.96.0.9/32'] },
      ],
    });
    expect(result.config).toEqual({
      listenPort: 51821,
      peers: [
        { publicKey: a, remove: true },
        { publicKey: b, replaceAllowedIps: true, allowedIps: ['100.96.0.9/32'], updateOnly: true },
        { publicKey: c, presharedKey: psk, persistentKeepaliveInterval: 25, allowedIps: ['100.96.0.2/32'] },
      ],
    });
    expect(result).toMatchObject({ added: [c], updated: [b], removed: [a], unchanged: 0, deviceUpdated: true });
    expect(JSON.stringify(result.config)).not.toContain('replacePeers');
  });
});

describe('reconcile against a fake UAPI device', () => {
  let fake: FakeUapiDevice | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function start() {
    fake = await startFakeUapi();
    return { fake, client: createUapiClient({ socketPath: fake.socketPath, timeoutMs: 2000 }) };
  }

  const desired: DesiredDevice = {
    listenPort: 51820,
    peers: [
      { publicKey: a, allowedIps: ['100.96.0.2/32'] },
      { publicKey: b, presharedKey: psk, endpoint: { address: '192.0.2.2', port: 51820 }, allowedIps: ['10.0.0.0/24'] },
      { publicKey: c, allowedIps: ['100.96.0.4/32'], persistentKeepalive: 25 },
    ],
  };

  it('configures an empty device with one set, then sends nothing while nothing changes', async () => {
    const { fake, client } = await start();
    expect(await reconcile(client, desired)).toEqual({
      added: [a, b, c],
      updated: [],
      removed: [],
      unchanged: 0,
      deviceUpdated: true,
      operations: 1,
    });
    expect(fake.sets()).toEqual([
      [
        'set=1',
        'listen_port=51820',
        `public_key=${keyToHex(a)}`,
        'allowed_ip=100.96.0.2/32',
        `public_key=${keyToHex(b)}`,
        `preshared_key=${keyToHex(psk)}`,
        'endpoint=192.0.2.2:51820',
        'allowed_ip=10.0.0.0/24',
        `public_key=${keyToHex(c)}`,
        'persistent_keepalive_interval=25',
        'allowed_ip=100.96.0.4/32',
        '',
        '',
      ].join('\n'),
    ]);
    expect(await reconcile(client, desired)).toMatchObject({ unchanged: 3, operations: 0 });
    expect(fake.sets()).toHaveLength(1);
  });

  it('touches only the changed peer: its line set, update_only, and nothing of the others', async () => {
    const { fake, client } = await start();
    await reconcile(client, desired);
    fake.peers.get(keyToHex(a))!.rxBytes = 1234n; // traffic the reconciler must not disturb
    const changed = { ...desired, peers: desired.peers.map((p) => (p.publicKey === c ? { ...p, allowedIps: [] } : p)) };
    expect(await reconcile(client, changed)).toMatchObject({ updated: [c], unchanged: 2, operations: 1 });
    expect(fake.sets()[1]).toBe(`set=1\npublic_key=${keyToHex(c)}\nupdate_only=true\nreplace_allowed_ips=true\n\n`);
    expect(fake.peers.get(keyToHex(a))!.rxBytes).toBe(1234n);
  });

  it('re-reads after a refused set that was applied in part, and sends only what is still missing', async () => {
    const { fake, client } = await start();
    let refusals = 0;
    fake.refuseLine = (line) => (line === `public_key=${keyToHex(c)}` && refusals++ === 0 ? -12 : undefined);
    const result = await reconcile(client, desired);
    expect(result).toMatchObject({ added: [c], operations: 2 });
    expect(fake.sets()).toHaveLength(2);
    // The first set added a and b before the refusal: the second one carries c alone.
    expect(fake.sets()[1]).toBe(
      `set=1\npublic_key=${keyToHex(c)}\npersistent_keepalive_interval=25\nallowed_ip=100.96.0.4/32\n\n`,
    );
    expect(fake.requests.filter((request) => request === 'get=1\n\n')).toHaveLength(2);
    expect(await reconcile(client, desired)).toMatchObject({ operations: 0, unchanged: 3 });
  });

  it('rejects with the device error when the retry is refused too', async () => {
    const { fake, client } = await start();
    fake.refuseLine = (line) => (line.startsWith('listen_port=') ? -98 : undefined);
    await expect(reconcile(client, desired)).rejects.toMatchObject({
      code: 'ERR_WG_UAPI',
      details: { errno: -98 },
    });
    expect(fake.sets()).toHaveLength(2);
  });

  it('re-reads after a set that got no answer (early EOF), then succeeds', async () => {
    const { fake, client } = await start();
    let first = true;
    fake.override = (request) => {
      if (!request.startsWith('set=1') || !first) return undefined;
      first = false;
      return ''; // closes without answering
    };
    expect(await reconcile(client, desired)).toMatchObject({ added: [a, b, c], operations: 2 });
  });

  it('re-reads after a set that timed out, then succeeds', async () => {
    fake = await startFakeUapi();
    const client = createUapiClient({ socketPath: fake.socketPath, timeoutMs: 200 });
    let first = true;
    fake.override = (request) => {
      if (!request.startsWith('set=1') || !first) return undefined;
      first = false;
      return null; // never answers
    };
    expect(await reconcile(client, desired)).toMatchObject({ operations: 2 });
    expect(fake.peers.size).toBe(3);
  });

  it('sends nothing when the device answers its read with garbage', async () => {
    const { fake, client } = await start();
    fake.override = (request) => (request === 'get=1\n\n' ? 'listen_port=abc\nerrno=0\n\n' : undefined);
    await expect(reconcile(client, desired)).rejects.toMatchObject({ code: 'ERR_WG_UAPI_PROTOCOL' });
    expect(fake.sets()).toEqual([]);
  });

  it('touches nothing when the desired state is malformed', async () => {
    const { fake, client } = await start();
    await expect(reconcile(client, { peers: [{ publicKey: a, allowedIps: ['nope'] }] })).rejects.toMatchObject({
      code: 'ERR_WG_CONFIG_INVALID',
    });
    expect(fake.requests).toEqual([]);
  });

  it('rejects when the device cannot be read', async () => {
    const { fake, client } = await start();
    fake.override = () => 'errno=-5\n\n';
    await expect(reconcile(client, desired)).rejects.toMatchObject({ code: 'ERR_WG_UAPI', details: { errno: -5 } });
  });
});
