import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestNamespace,
  describeWithTools,
  linkNamespaces,
  missingTunnelTools,
  onPath,
  type TestNamespace,
} from '../../test/netns.js';
import { generateKeyPair, generatePresharedKey } from '../keys.js';
import { findExecutable } from './command.js';
import { createBackend } from './create-backend.js';
import { probeBackend } from './probe.js';
import type { BackendKind, WireGuardBackend } from './types.js';

// One contract every backend passes, run against each on this host: a hub and a site, each in its own network
// namespace joined by a veth pair, brought up and configured through WireGuardBackend alone. wireguard-go needs
// root and Debian's wireguard-go (CI installs it); the kernel backend needs the wireguard module, which CI (and
// this container's kernel) lacks, so its run is skipped with a warning there.

async function missingFor(kind: BackendKind): Promise<string | undefined> {
  const tools = missingTunnelTools();
  if (kind === 'wireguard-go') return tools;
  try {
    await probeBackend({ kind: 'kernel' });
    return tools;
  } catch (err) {
    return (err as Error).message;
  }
}

const kinds: readonly BackendKind[] = ['wireguard-go', 'kernel'];
for (const kind of kinds) {
  const missing = await missingFor(kind);
  describeWithTools(`${kind} backend contract`, missing, () => backendContract(kind), {
    requiredInCi: kind === 'wireguard-go',
  });
}

// Without the module, the kernel backend's own code still runs the whole contract with wireguard-go playing the
// module: an `ip` first on PATH turns `ip link add NAME type wireguard` into `wireguard-go NAME` (which creates the
// link and exits once it is up, and ends when the link is deleted) and passes everything else to the real `ip`;
// `wg` drives the device through its UAPI socket, as it would through netlink. A stand-in, so it says so.
const standInMissing = missingTunnelTools() ?? (onPath('wg') ? undefined : '`wg` is not installed (wireguard-tools)');
describeWithTools('kernel backend contract, wireguard-go standing in for the module', standInMissing, () => {
  const path = process.env['PATH'];
  let shim: string;
  beforeAll(() => {
    shim = mkdtempSync(join(tmpdir(), 'rwg-kernel-stand-in-'));
    const ip = findExecutable('ip')!;
    writeFileSync(
      join(shim, 'ip'),
      [
        '#!/bin/sh',
        'if [ "$1 $2 $3 $5 $6" = "link add dev type wireguard" ]; then exec wireguard-go "$4" >/dev/null; fi',
        'if [ "$1 $2 $4 $5" = "link add type wireguard" ]; then exec wireguard-go "$3" >/dev/null; fi',
        // A device deleted right after it came up (the probe's) may not get to remove its socket: do it for it.
        'if [ "$1 $2" = "link del" ]; then',
        `  ${ip} "$@"; status=$?; eval name=\\\${$#}; rm -f "/var/run/wireguard/$name.sock"; exit $status`,
        'fi',
        `exec ${ip} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    process.env['PATH'] = `${shim}:${path ?? ''}`;
  });
  afterAll(() => {
    process.env['PATH'] = path;
    rmSync(shim, { recursive: true, force: true });
  });
  backendContract('kernel');
});

function backendContract(kind: BackendKind): void {
  let hubNs: TestNamespace | undefined;
  let siteNs: TestNamespace | undefined;
  let dir: string;
  const backends: WireGuardBackend[] = [];
  const hubKeys = generateKeyPair();
  const siteKeys = generateKeyPair();
  const psk = generatePresharedKey();
  let hub: WireGuardBackend;
  let site: WireGuardBackend;
  let hubName: string;
  let siteName: string;

  async function backendIn(namespace: TestNamespace): Promise<WireGuardBackend> {
    const backend = await createBackend({ kind, netns: namespace.name });
    backends.push(backend);
    return backend;
  }

  function linkNames(namespace: TestNamespace): string[] {
    const links = JSON.parse(namespace.exec('ip', ['-j', 'link', 'show'])) as { ifname: string }[];
    return links.map((link) => link.ifname);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rwg-contract-'));
    hubNs = createTestNamespace();
    siteNs = createTestNamespace();
    linkNamespaces(hubNs, siteNs);
    hubName = `rwch${hubNs.suffix}`;
    siteName = `rwcs${siteNs.suffix}`;
    hub = await backendIn(hubNs);
    site = await backendIn(siteNs);
  });

  afterAll(async () => {
    for (const backend of backends) await backend.down().catch(() => undefined);
    await hubNs?.close();
    await siteNs?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the backend asked for', () => {
    expect(hub.kind).toBe(kind);
  });

  it('refuses a malformed spec before creating anything', async () => {
    const backend = await backendIn(hubNs!);
    await expect(
      backend.up({ name: 'bad name', privateKey: { key: hubKeys.privateKey }, addresses: ['100.96.0.1/24'] }),
    ).rejects.toMatchObject({ code: 'ERR_WG_CONFIG_INVALID', message: expect.stringContaining('name') });
    const other = await backendIn(hubNs!);
    await expect(
      other.up({ name: `rwcx${hubNs!.suffix}`, privateKey: { key: hubKeys.privateKey }, addresses: ['100.96.0.1'] }),
    ).rejects.toMatchObject({ code: 'ERR_WG_CONFIG_INVALID', message: expect.stringContaining('addresses[0]') });
    expect(linkNames(hubNs!)).not.toContain(`rwcx${hubNs!.suffix}`);
  });

  it('refuses a key file others can read, leaving nothing behind', async () => {
    const file = join(dir, 'loose.key');
    writeFileSync(file, `${hubKeys.privateKey}\n`, { mode: 0o644 });
    const backend = await backendIn(hubNs!);
    const name = `rwcy${hubNs!.suffix}`;
    await expect(backend.up({ name, privateKey: { file }, addresses: ['100.96.0.1/24'] })).rejects.toMatchObject({
      code: 'ERR_WG_KEY_FILE',
      message: expect.stringContaining('chmod 600'),
    });
    expect(linkNames(hubNs!)).not.toContain(name);
  });

  it('brings the interface up with its key (from a file), addresses, MTU and routes', async () => {
    const file = join(dir, 'hub.key');
    writeFileSync(file, `${hubKeys.privateKey}\n`, { mode: 0o600 });
    await hub.up({
      name: hubName,
      privateKey: { file },
      addresses: ['100.96.0.1/24', 'fd7a:115c:a1e0::1/64'],
      mtu: 1380,
      routes: ['10.99.0.1/16'],
    });
    const [link] = JSON.parse(hubNs!.exec('ip', ['-j', 'address', 'show', 'dev', hubName])) as {
      mtu: number;
      flags: string[];
      addr_info: { local: string; prefixlen: number }[];
    }[];
    expect(link!.mtu).toBe(1380);
    expect(link!.flags).toContain('UP');
    expect(link!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(
      expect.arrayContaining(['100.96.0.1/24', 'fd7a:115c:a1e0::1/64']),
    );
    expect(hubNs!.exec('ip', ['route', 'show', '10.99.0.0/16'])).toContain(`dev ${hubName}`);
    expect(await hub.read()).toMatchObject({ publicKey: hubKeys.publicKey, peers: [] });
  });

  it('replaces a leftover link of the same name (an earlier run), key in memory', async () => {
    siteNs!.exec('ip', ['tuntap', 'add', 'dev', siteName, 'mode', 'tun']);
    await site.up({ name: siteName, privateKey: { key: siteKeys.privateKey }, addresses: ['100.96.0.2/24'] });
    expect(await site.read()).toMatchObject({ publicKey: siteKeys.publicKey });
    expect(siteNs!.exec('ip', ['-d', 'link', 'show', 'dev', siteName])).not.toContain('persist on');
  });

  it('refuses a second up()', async () => {
    await expect(
      hub.up({ name: hubName, privateKey: { key: hubKeys.privateKey }, addresses: ['100.96.0.1/24'] }),
    ).rejects.toThrow('once');
  });

  it('applies peers, carries traffic, and sends nothing when re-applied', async () => {
    const hubPeers = {
      listenPort: 51820,
      peers: [{ publicKey: siteKeys.publicKey, presharedKey: psk, allowedIps: ['100.96.0.2/32'] }],
    };
    expect(await hub.apply(hubPeers)).toMatchObject({ added: [siteKeys.publicKey], operations: 1 });
    await site.apply({
      peers: [
        {
          publicKey: hubKeys.publicKey,
          presharedKey: psk,
          endpoint: { address: '192.0.2.1', port: 51820 },
          allowedIps: ['100.96.0.0/24'],
          persistentKeepalive: 25,
        },
      ],
    });
    siteNs!.exec('ping', ['-c', '2', '-i', '0.2', '-W', '5', '100.96.0.1']);
    const state = await hub.read();
    expect(state.listenPort).toBe(51820);
    expect(state.peers).toHaveLength(1);
    expect(state.peers[0]).toMatchObject({
      publicKey: siteKeys.publicKey,
      presharedKey: psk,
      endpoint: { address: '192.0.2.2' },
      allowedIps: ['100.96.0.2/32'],
    });
    expect(state.peers[0]!.lastHandshake).toBeInstanceOf(Date);
    expect(state.peers[0]!.rxBytes).toBeGreaterThan(0n);
    expect(await hub.apply(hubPeers)).toMatchObject({ unchanged: 1, operations: 0 });
  });

  it('adds and removes other peers without resetting a live session', async () => {
    const before = (await hub.read()).peers[0]!;
    const laptop = generateKeyPair().publicKey;
    const base = { publicKey: siteKeys.publicKey, presharedKey: psk, allowedIps: ['100.96.0.2/32'] };
    await hub.apply({ peers: [base, { publicKey: laptop, allowedIps: ['100.96.0.3/32'] }] });
    expect(await hub.apply({ peers: [base] })).toMatchObject({ removed: [laptop], unchanged: 1 });
    const after = (await hub.read()).peers;
    expect(after).toHaveLength(1);
    expect(after[0]!.lastHandshake).toEqual(before.lastHandshake);
    expect(after[0]!.rxBytes).toBeGreaterThanOrEqual(before.rxBytes);
    siteNs!.exec('ping', ['-c', '1', '-W', '5', '100.96.0.1']);
  });

  it('refuses a malformed desired state and keeps the device as it was', async () => {
    const before = await hub.read();
    await expect(hub.apply({ peers: [{ publicKey: 'x', allowedIps: [] }] })).rejects.toMatchObject({
      code: 'ERR_WG_KEY_INVALID',
    });
    expect((await hub.read()).peers.map((p) => p.publicKey)).toEqual(before.peers.map((p) => p.publicKey));
  });

  it('down() deletes the interface, may be called twice, and read() then fails', async () => {
    await site.down();
    await site.down();
    expect(linkNames(siteNs!)).not.toContain(siteName);
    await expect(site.read()).rejects.toMatchObject({ code: 'ERR_WG_UAPI_UNAVAILABLE' });
    expect(() => siteNs!.exec('ping', ['-c', '1', '-W', '1', '100.96.0.1'])).toThrow();
  });
}
