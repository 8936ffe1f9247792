// Sites, site targets, IPAM and client devices through the API, on both database drivers.
import { auditEvents, sites, tunnelAddresses } from '@rustronaut/db';
import { createUapiClient, generateKeyPair, parsePool, publicKeyFromPrivate } from '@rustronaut/wireguard';
import { eq } from 'drizzle-orm';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemsOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';
import { addReportedHub } from '../../../test/openapi-world.js';
import {
  createTestNamespace,
  describeWithTools,
  missingWireguardGo,
  onPath,
  type TestNamespace,
} from '../../../../../packages/wireguard/test/netns.js';
import { buildSnapshot } from '../../control/build-snapshot.js';
import { buildHubSnapshot, buildSiteSnapshot } from '../../control/tunnel-snapshot.js';

describe.each(testDrivers())('[$name] tunnels API', (driver) => {
  let t: TestAdmin;
  let token: string;
  let orgId: string;
  let api: string;

  beforeAll(async () => {
    // A small pool, so exhaustion and reuse are visible: a /24 holds 253 addresses after the hub's.
    t = await startTestAdmin(driver, { RUSTRONAUT_TUNNEL_POOL: '100.96.7.0/24' });
    token = await t.login(t.owner.email, t.owner.password);
    orgId = t.owner.orgId;
    api = `/api/v1/orgs/${orgId}`;
  });
  afterAll(() => t.close());

  it('creates a site with a tunnel address and a one-time token shown once (only its hash is stored)', async () => {
    const res = await t.request('POST', `${api}/sites`, { token, body: { name: 'lab' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'lab',
      tunnelAddress: '100.96.7.2',
      enrolled: false,
      online: false,
      offlineReason: 'not_enrolled',
      enrolToken: expect.stringMatching(/^rst_[A-Za-z0-9_-]{43}$/),
    });
    const [row] = await t.ctx.db
      .select()
      .from(sites)
      .where(eq(sites.id, res.body.id as string));
    expect(row?.enrolTokenHash).toBe(
      createHash('sha256')
        .update(res.body.enrolToken as string)
        .digest('hex'),
    );
    const shown = await t.request('GET', `${api}/sites/${res.body.id}`, { token });
    expect(shown.body.enrolToken).toBeUndefined();
    expect(JSON.stringify(shown.body)).not.toContain(row?.enrolTokenHash);
    expect(shown.body.enrolTokenExpiresAt).toEqual(expect.any(String));

    const again = await t.request('POST', `${api}/sites/${res.body.id}/enrol-token`, { token });
    expect(again.status).toBe(201);
    expect(again.body.enrolToken).not.toBe(res.body.enrolToken);
    const events = await t.ctx.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.targetId, res.body.id as string));
    expect(events.map((e) => e.action)).toEqual(['site.create', 'site.token.create']);
  });

  it('allocates 100 addresses concurrently without a duplicate, and releases them on delete', async () => {
    const made = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.request('POST', `${api}/sites`, { token, body: { name: `c${i}` } })),
    );
    expect(made.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 201));
    const addresses = made.map((r) => r.body.tunnelAddress as string);
    expect(new Set(addresses).size).toBe(100);
    for (const address of addresses) expect(address).toMatch(/^100\.96\.7\.(\d+)$/);
    expect(addresses).not.toContain('100.96.7.1'); // the hub's
    const rows = await t.ctx.db.select().from(tunnelAddresses);
    expect(rows).toHaveLength(101);

    const victim = made[41]!.body;
    expect((await t.request('DELETE', `${api}/sites/${victim.id}`, { token })).status).toBe(204);
    const released = await t.ctx.db
      .select()
      .from(tunnelAddresses)
      .where(eq(tunnelAddresses.address, victim.tunnelAddress as string));
    expect(released).toEqual([]);
    const next = await t.request('POST', `${api}/sites`, { token, body: { name: 'reuses' } });
    expect(next.body.tunnelAddress).toBe(victim.tunnelAddress);
  });

  it('adds targets with tunnel ports, and routes a resource of the site through the tunnel', async () => {
    const site = await t.created(`${api}/sites`, { token, body: { name: 'office' } });
    const target = await t.request('POST', `${api}/site-targets`, {
      token,
      body: { siteId: site.id, name: 'wiki', host: '192.168.1.10', port: 8080 },
    });
    expect(target.status).toBe(201);
    expect(target.body).toMatchObject({
      siteId: site.id,
      tunnelPort: 8080,
      upstream: `${String(site.tunnelAddress)}:8080`,
      health: 'unknown',
    });
    const samePort = await t.request('POST', `${api}/site-targets`, {
      token,
      body: { siteId: site.id, name: 'other', host: '192.168.1.11', port: 8080 },
    });
    expect(samePort.body.tunnelPort).toBe(20_000);
    const taken = await t.request('POST', `${api}/site-targets`, {
      token,
      body: { siteId: site.id, name: 'third', host: '192.168.1.12', port: 80, tunnelPort: 8080 },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toMatch(/tunnel port is used/);
    const foreign = await t.request('POST', `${api}/site-targets`, {
      token,
      body: { siteId: '0190d2c2-0000-7000-8000-000000000000', name: 'x', host: 'h', port: 1 },
    });
    expect(foreign.status).toBe(400);
    const listed = await t.request('GET', `${api}/site-targets?siteId=${site.id}`, { token });
    expect(itemsOf(listed).map((i) => i['name'])).toEqual(['wiki', 'other']);

    for (const [name, targets] of [
      ['wiki', [{ url: 'http://192.168.1.10:8080/base' }]],
      ['stray', [{ url: 'http://192.168.1.99' }]],
    ] as const) {
      const res = await t.request('POST', `${api}/resources`, {
        token,
        body: { name, kind: 'http', host: `${name}.example.com`, targets, siteId: site.id, options: { public: true } },
      });
      expect(res.status).toBe(201);
    }
    const skipped: string[] = [];
    const snapshot = await buildSnapshot(t.ctx, orgId, {
      adminUrl: t.url,
      onSkip: (s) => skipped.push(`${s.name}: ${s.reason}`),
    });
    expect(snapshot.config.routes.map((r) => [r.match.host, r.upstreams.map((u) => u.url)])).toEqual([
      ['wiki.example.com', [`http://${String(site.tunnelAddress)}:8080/base`]],
    ]);
    expect(skipped).toEqual(["stray: http://192.168.1.99 is not a target of its site: add it to the site's targets"]);

    expect((await t.request('DELETE', `${api}/site-targets/${samePort.body.id}`, { token })).status).toBe(204);
    expect((await t.request('GET', `${api}/site-targets/${samePort.body.id}`, { token })).status).toBe(404);
  });

  it('refuses a device while no hub has reported, then makes wg-quick configs with a generated or own key', async () => {
    const noHub = await t.request('POST', `${api}/devices`, { token, body: { name: 'early' } });
    expect(noHub.status).toBe(409);
    expect(noHub.body.code).toBe('ERR_TUNNEL_NO_HUB');

    await addReportedHub(t, orgId);
    const site = await t.created(`${api}/sites`, { token, body: { name: 'granted' } });
    const generated = await t.request('POST', `${api}/devices`, {
      token,
      body: { name: 'laptop', siteIds: [site.id] },
    });
    expect(generated.status).toBe(201);
    const { device, config } = generated.body as {
      device: Record<string, unknown>;
      config: { config: string; qrSvg: string; qrPng: string };
    };
    expect(device).toMatchObject({
      userId: t.owner.userId,
      allowedIps: ['100.96.7.1/32', `${String(site.tunnelAddress)}/32`],
    });
    const privateKey = /^PrivateKey = (.+)$/m.exec(config.config)?.[1] ?? '';
    expect(publicKeyFromPrivate(privateKey)).toBe(device.publicKey);
    expect(config.config).toContain(`Address = ${String(device.tunnelAddress)}/32`);
    expect(config.config).toContain('Endpoint = 192.0.2.10:51820');
    expect(config.config).toContain(`AllowedIPs = 100.96.7.1/32, ${String(site.tunnelAddress)}/32`);
    expect(config.qrSvg).toMatch(/^<svg/);
    expect(Buffer.from(config.qrPng, 'base64').subarray(1, 4).toString()).toBe('PNG');
    // The private key is never stored, nor shown again.
    const later = await t.request('GET', `${api}/devices/${String(device.id)}/config`, { token });
    expect(later.status).toBe(200);
    expect(later.body.config).not.toContain(privateKey);
    expect(later.body.config).toContain('# PrivateKey =');

    const own = generateKeyPair();
    const mine = await t.request('POST', `${api}/devices`, {
      token,
      body: { name: 'phone', publicKey: own.publicKey },
    });
    expect(mine.status).toBe(201);
    expect(mine.body.device.publicKey).toBe(own.publicKey);
    expect(mine.body.config.config).not.toMatch(/^PrivateKey/m);
    const dup = await t.request('POST', `${api}/devices`, {
      token,
      body: { name: 'phone2', publicKey: own.publicKey },
    });
    expect(dup.status).toBe(409);
    const foreign = await t.request('POST', `${api}/devices`, {
      token,
      body: { name: 'x', siteIds: ['0190d2c2-0000-7000-8000-000000000000'] },
    });
    expect(foreign.status).toBe(400);

    const address = mine.body.device.tunnelAddress as string;
    expect((await t.request('DELETE', `${api}/devices/${String(mine.body.device.id)}`, { token })).status).toBe(204);
    expect(await t.ctx.db.select().from(tunnelAddresses).where(eq(tunnelAddresses.address, address))).toEqual([]);
  });

  it("gives the hub the target ports of each device's granted, enrolled sites, and each site its granted devices", async () => {
    const [granted] = await t.ctx.db.select().from(sites).where(eq(sites.name, 'granted'));
    const laptop = itemsOf(await t.request('GET', `${api}/devices`, { token })).find((d) => d.name === 'laptop');
    const other = await t.created(`${api}/sites`, { token, body: { name: 'not granted' } });
    const tablet = (await t.created(`${api}/devices`, {
      token,
      body: { name: 'tablet', siteIds: [granted!.id, other.id] },
    })) as unknown as { device: { tunnelAddress: string } };
    const pool = parsePool('100.96.7.0/24');
    const reachOf = async () =>
      Object.fromEntries((await buildHubSnapshot(t.ctx.db, orgId, pool)).tunnel.peers.map((p) => [p.name, p.reach]));
    // A site that has not enrolled has no peer on the hub, so no device reaches it yet; nor one without targets.
    expect(await reachOf()).toEqual({ laptop: [], tablet: [] });
    await t.ctx.db.update(sites).set({ publicKey: generateKeyPair().publicKey }).where(eq(sites.id, granted!.id));
    expect(await reachOf()).toEqual({ granted: [], laptop: [], tablet: [] });
    // With targets: their tunnel ports, in order.
    for (const [name, port] of [
      ['ssh', 22],
      ['web', 80],
    ] as const) {
      await t.created(`${api}/site-targets`, { token, body: { siteId: granted!.id, name, host: '192.168.1.5', port } });
    }
    const reach = [{ address: granted!.tunnelAddress, ports: [22, 80] }];
    expect(await reachOf()).toEqual({ granted: [], laptop: reach, tablet: reach });
    // The device's view says where to connect.
    const view = await t.request('GET', `${api}/devices/${laptop!.id}`, { token });
    expect(view.body.targets).toEqual([
      { siteId: granted!.id, name: 'ssh', address: `${String(granted!.tunnelAddress)}:22` },
      { siteId: granted!.id, name: 'web', address: `${String(granted!.tunnelAddress)}:80` },
    ]);

    // The list reads the grants once for its page, and still gives each device its own.
    const hub = `${pool.hub}/32`;
    const listed = Object.fromEntries(
      itemsOf(await t.request('GET', `${api}/devices`, { token })).map((d) => [d.name, [d.allowedIps, d.targets]]),
    );
    expect(listed.laptop).toEqual([[hub, `${String(granted!.tunnelAddress)}/32`], view.body.targets]);
    expect(listed.tablet).toEqual([
      [hub, `${String(granted!.tunnelAddress)}/32`, `${String(other.tunnelAddress)}/32`],
      view.body.targets,
    ]);

    const site = (await buildSiteSnapshot(t.ctx.db, orgId, granted!.id, pool)).site;
    expect(site.address).toBe(`${String(granted!.tunnelAddress)}/24`);
    expect(new Set(site.devices)).toEqual(new Set([laptop?.tunnelAddress, tablet.device.tunnelAddress]));
    expect((await buildSiteSnapshot(t.ctx.db, orgId, other.id, pool)).site.devices).toEqual([
      tablet.device.tunnelAddress,
    ]);
  });
});

const missingWgTools = () =>
  missingWireguardGo() ??
  (onPath('wg') && onPath('wg-quick') ? undefined : '`wg` and `wg-quick` are not installed (Debian wireguard-tools)');

// Acceptance of the device configs: what the API exports is what wg-quick and wg accept, on a real wireguard-go.
describeWithTools('exported device configs against wg-quick strip and wg setconf', missingWgTools(), () => {
  let t: TestAdmin;
  let ns: TestNamespace;
  let dir: string;

  beforeAll(async () => {
    [t] = await Promise.all([startTestAdmin(testDrivers()[0]!)]);
    ns = createTestNamespace();
    dir = mkdtempSync(join(tmpdir(), 'rdev-'));
  });
  afterAll(async () => {
    await ns.close();
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('applies a generated-key config and an own-key config to wireguard-go', async () => {
    const token = await t.login(t.owner.email, t.owner.password);
    const api = `/api/v1/orgs/${t.owner.orgId}`;
    await addReportedHub(t, t.owner.orgId);
    const site = await t.created(`${api}/sites`, { token, body: { name: 'lan' } });
    const own = generateKeyPair();
    for (const body of [
      { name: 'generated', siteIds: [site.id] },
      { name: 'own', publicKey: own.publicKey },
    ]) {
      const res = await t.request('POST', `${api}/devices`, { token, body });
      expect(res.status).toBe(201);
      const iface = `rdev${body.name[0]!}${ns.suffix}`;
      const file = join(dir, `${iface}.conf`);
      writeFileSync(file, res.body.config.config as string, { mode: 0o600 });
      const stripped = execFileSync('wg-quick', ['strip', file], { encoding: 'utf8' });
      writeFileSync(join(dir, `${iface}.wg`), stripped, { mode: 0o600 });
      const { socketPath } = await ns.startDevice(iface);
      ns.exec('wg', ['setconf', iface, join(dir, `${iface}.wg`)]);
      const state = await createUapiClient({ socketPath }).get();
      expect(state.publicKey).toBe(body.name === 'generated' ? res.body.device.publicKey : undefined);
      expect(state.peers).toEqual([
        expect.objectContaining({
          allowedIps: res.body.device.allowedIps,
          endpoint: { address: '192.0.2.10', port: 51820 },
          persistentKeepaliveInterval: 25,
        }),
      ]);
    }
  });
});
