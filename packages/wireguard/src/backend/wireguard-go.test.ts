import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestNamespace,
  describeWithTools,
  linkNamespaces,
  missingTunnelTools,
  type TestNamespace,
} from '../../test/netns.js';
import { generateKeyPair } from '../keys.js';
import { createBackend } from './create-backend.js';
import { createPeerStatsTracker } from './peer-stats.js';
import type { BackendEvent } from './types.js';
import type { WireguardGoBackend } from './wireguard-go.js';

// The wireguard-go backend's supervision, with Debian's wireguard-go in two network namespaces: a killed device
// is restarted, re-configured from the last desired state, and carries traffic again.

const missing = missingTunnelTools();

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeWithTools('wireguard-go backend supervision', missing, () => {
  let hubNs: TestNamespace | undefined;
  let siteNs: TestNamespace | undefined;
  let dir: string;
  let failFlag: string;
  let hub: WireguardGoBackend | undefined;
  let site: WireguardGoBackend | undefined;
  const events: BackendEvent[] = [];
  const hubKeys = generateKeyPair();
  const siteKeys = generateKeyPair();
  let siteName: string;
  const siteDesired = {
    peers: [
      {
        publicKey: hubKeys.publicKey,
        endpoint: { address: '192.0.2.1', port: 51820 },
        allowedIps: ['100.96.0.0/24'],
        persistentKeepalive: 25,
      },
    ],
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rwg-supervise-'));
    failFlag = join(dir, 'fail-next-start');
    // wireguard-go behind a script that fails one start on demand (when the flag file exists).
    const wrapper = join(dir, 'wireguard-go');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nif [ -e '${failFlag}' ]; then rm -f '${failFlag}'; exit 3; fi\nexec wireguard-go "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    hubNs = createTestNamespace();
    siteNs = createTestNamespace();
    linkNamespaces(hubNs, siteNs);
    siteName = `rwss${siteNs.suffix}`;
    hub = (await createBackend({ kind: 'wireguard-go', netns: hubNs.name })) as WireguardGoBackend;
    site = (await createBackend({
      kind: 'wireguard-go',
      netns: siteNs.name,
      wireguardGo: wrapper,
      restartMinDelayMs: 50,
      restartMaxDelayMs: 400,
      onEvent: (event) => events.push(event),
    })) as WireguardGoBackend;
    await hub.up({
      name: `rwsh${hubNs.suffix}`,
      privateKey: { key: hubKeys.privateKey },
      addresses: ['100.96.0.1/24'],
    });
    await hub.apply({ listenPort: 51820, peers: [{ publicKey: siteKeys.publicKey, allowedIps: ['100.96.0.2/32'] }] });
    await site.up({ name: siteName, privateKey: { key: siteKeys.privateKey }, addresses: ['100.96.0.2/24'] });
    await site.apply(siteDesired);
  });

  afterAll(async () => {
    await site?.down();
    await hub?.down();
    await hubNs?.close();
    await siteNs?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports at up a UDP socket buffer too small for a busy tunnel (the host default, unless raised)', () => {
    const hostDefault = Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8'));
    const reported = events.filter((e) => e.type === 'udp-buffer-small');
    expect(reported).toEqual(
      hostDefault < 1024 * 1024
        ? [{ type: 'udp-buffer-small', receiveBufferBytes: hostDefault, recommendedBytes: 4 * 1024 * 1024 }]
        : [],
    );
  });

  it('carries traffic before anything dies', () => {
    siteNs!.exec('ping', ['-c', '1', '-W', '5', '100.96.0.1']);
    expect(site!.pid).toBeGreaterThan(0);
  });

  it('restarts a killed wireguard-go, re-applies key, address and peers, and traffic resumes', async () => {
    const tracker = createPeerStatsTracker();
    const [before] = tracker.observe(await site!.read());
    expect(before!.txBytes).toBeGreaterThan(0n);
    const pid = site!.pid!;
    process.kill(pid, 'SIGKILL');
    await until('device-restarted', () => events.some((e) => e.type === 'device-restarted'));
    expect(events.filter((e) => e.type !== 'udp-buffer-small')).toEqual([
      { type: 'device-exited', code: null, signal: 'SIGKILL', restartInMs: 50 },
      { type: 'device-restarted', attempt: 1 },
    ]);
    expect(site!.pid).not.toBe(pid);
    const restored = await site!.read();
    expect(restored.publicKey).toBe(siteKeys.publicKey);
    expect(restored.peers.map((p) => p.publicKey)).toEqual([hubKeys.publicKey]);
    expect(siteNs!.exec('ip', ['-4', 'address', 'show', 'dev', siteName])).toContain('100.96.0.2/24');
    siteNs!.exec('ping', ['-c', '1', '-W', '5', '100.96.0.1']);
    // The new device counts from zero; told of the restart (as the event says), the tracker adds it all.
    tracker.deviceRestarted();
    const state = await site!.read();
    const [after] = tracker.observe(state);
    const device = state.peers[0]!;
    expect(after).toEqual({
      publicKey: hubKeys.publicKey,
      lastHandshake: device.lastHandshake,
      rxBytes: before!.rxBytes + device.rxBytes,
      txBytes: before!.txBytes + device.txBytes,
      resets: 1,
    });
  });

  it('backs off after a failed restart and tries again', async () => {
    events.length = 0;
    writeFileSync(failFlag, '');
    process.kill(site!.pid!, 'SIGKILL');
    await until('device-restarted', () => events.some((e) => e.type === 'device-restarted'));
    expect(events.map((e) => e.type)).toEqual(['device-exited', 'restart-failed', 'device-restarted']);
    expect(events[1]).toMatchObject({
      attempt: 1,
      error: { code: 'ERR_WG_COMMAND_FAILED', message: expect.stringContaining('exited (3)') },
    });
    expect(events[2]).toEqual({ type: 'device-restarted', attempt: 2 });
    expect(existsSync(failFlag)).toBe(false);
    siteNs!.exec('ping', ['-c', '1', '-W', '5', '100.96.0.1']);
  });

  it('keeps the desired state of an apply made while the device was down', async () => {
    events.length = 0;
    writeFileSync(failFlag, '');
    process.kill(site!.pid!, 'SIGKILL');
    await until('device-exited', () => events.length > 0);
    const extra = generateKeyPair().publicKey;
    const desired = { peers: [...siteDesired.peers, { publicKey: extra, allowedIps: ['10.9.0.0/16'] }] };
    await site!.apply(desired).catch(() => undefined); // may fail: the device is down
    await until('device-restarted', () => events.some((e) => e.type === 'device-restarted'));
    expect((await site!.read()).peers.map((p) => p.publicKey).sort()).toEqual([hubKeys.publicKey, extra].sort());
  });

  it('stops supervising on down(): the process ends and is not restarted', async () => {
    const pid = site!.pid!;
    events.length = 0;
    await site!.down();
    expect(() => process.kill(pid, 0)).toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual([]);
    expect(site!.pid).toBeUndefined();
  });

  it('takes over from a wireguard-go left running by an earlier run (its parent killed)', async () => {
    const name = `rwso${hubNs!.suffix}`;
    const orphan = await hubNs!.startDevice(name); // a device this backend did not start
    const backend = await createBackend({
      kind: 'wireguard-go',
      netns: hubNs!.name,
      onEvent: () => {
        throw new Error('a throwing listener does not matter');
      },
    });
    const keys = generateKeyPair();
    await backend.up({ name, privateKey: { key: keys.privateKey }, addresses: ['100.96.0.8/24'] });
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for the old device to finish exiting
    expect(await backend.read()).toMatchObject({ publicKey: keys.publicKey });
    expect(existsSync(orphan.socketPath)).toBe(true);
    await backend.down();
    expect(existsSync(orphan.socketPath)).toBe(false);
  });

  it('reports a wireguard-go that cannot start, and leaves nothing behind', async () => {
    const broken = await createBackend({ kind: 'wireguard-go', netns: hubNs!.name, wireguardGo: '/bin/false' });
    const name = `rwsx${hubNs!.suffix}`;
    await expect(
      broken.up({ name, privateKey: { key: hubKeys.privateKey }, addresses: ['100.96.0.9/24'] }),
    ).rejects.toMatchObject({
      code: 'ERR_WG_COMMAND_FAILED',
      message: expect.stringContaining(`wireguard-go for ${name} exited`),
    });
    expect(hubNs!.exec('ip', ['link', 'show'])).not.toContain(name);
  });
});
