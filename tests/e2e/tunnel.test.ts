// WireGuard tunnels end to end (issue 6, acceptance 1-3), as root, across network namespaces joined by veth pairs:
//
//   client 10.1.0.2 ── 10.1.0.1 gw 10.2.0.1 ── 10.2.0.2 site (LAN 192.168.50.10: the private service)
//                                  10.3.0.1 ── 10.3.0.2 site2 (LAN 192.168.60.10)
//
// The admin, the gateway and the tunnel hub run in `gw`, each a `rustronaut` process; the connectors run in the
// sites and come up from their one-time tokens alone (the first reads it from a pipe: --token-file /dev/stdin).
// `gw` has no route to the site LANs: the only way to the services is the tunnel. Real wireguard-go everywhere.
import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTools, missingWireguardGo } from '../../packages/wireguard/test/netns.js';
import { CLI } from './cli-process.js';
import { createLab, lineClient, type Lab, type LabProcess, type LineClient } from './netns-lab.js';

const CLIENT_SCRIPT = fileURLToPath(new URL('./fixtures/http-client.mjs', import.meta.url));
const SERVICE_SCRIPT = fileURLToPath(new URL('./fixtures/site-service.mjs', import.meta.url));
const EMAIL = 'owner@example.com';
const PASSWORD = 'a long passphrase for the owner';
const ADMIN = 'http://10.2.0.1:8080';
const HUB_NAME = 'hub.tunnel.test';
const GATEWAY = 'http://10.1.0.1:8000';
const PUBLIC_HOST = 'app.tunnel.test';
const PROTECTED_HOST = 'private.tunnel.test';
const SECOND_HOST = 'two.tunnel.test';

interface Answer {
  readonly status: number;
  readonly bytes: number;
  readonly sha256?: string;
  readonly body: string;
  readonly error?: string;
}

let lab: Lab;
let tmp: TempDir;
let ns: { client: string; gw: string; site: string; site2: string };
/** HTTP clients living in `client` (towards the gateway) and in `gw` (the admin API, the hub's metrics). */
let fromClient: LineClient;
let fromGw: LineClient;
let connector: LabProcess;
let admin: LabProcess;
let hub: LabProcess;
const adminEnv = () => ({
  RUSTRONAUT_DATA_DIR: join(tmp.path, 'admin'),
  RUSTRONAUT_ADMIN_LISTEN: '0.0.0.0:8080',
  RUSTRONAUT_ADMIN_CONTROL_LISTEN: '10.2.0.1:8443',
  RUSTRONAUT_ADMIN_EMAIL: EMAIL,
  RUSTRONAUT_ADMIN_PASSWORD: PASSWORD,
});
const hubEnv = () => ({
  RUSTRONAUT_DATA_DIR: join(tmp.path, 'hub'),
  RUSTRONAUT_TUNNEL_INTERFACE: hubIface,
  // A name, as on the internet: each site looks it up in its own /etc/hosts (see `lab.hosts` below).
  RUSTRONAUT_TUNNEL_ENDPOINT: `${HUB_NAME}:51820`,
  RUSTRONAUT_TUNNEL_OPS_LISTEN: '127.0.0.1:9091',
});
let accessToken = '';
let orgId = '';
let siteId = '';
let hubIface = '';
/** Where the gateway reaches the first site's target (`<tunnel address>:<tunnelPort>`), and the device made later. */
let siteForwarder = '';
let laptop: { config: string; address: string; publicKey: string } | undefined;
/** The second site's tunnel address: the device was not granted it. */
let annexAddress = '';

const node = (script: string, ...args: string[]) => [script, ...args];
const get = (
  client: LineClient,
  url: string,
  host?: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
) => client.send({ url, host, headers, timeoutMs }) as Promise<Answer>;
const viaGateway = (host: string, path = '/', headers: Record<string, string> = {}, timeoutMs = 10_000) =>
  get(fromClient, `${GATEWAY}${path}`, host, headers, timeoutMs);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON answers of the admin API
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const answer = (await fromGw.send({
    url: `${ADMIN}${path}`,
    method,
    headers: {
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    full: true,
  })) as Answer;
  return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : {} };
}

/** Polls until `check` holds, or fails after `ms`; returns the milliseconds it took. */
async function within(ms: number, what: string, check: () => Promise<boolean>, everyMs = 200): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${String(ms)} ms\n${lab.tails()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The hub device's view of its peers: `wg show dump` lines by public key. */
function hubPeers(): Map<string, { handshake: number; rx: number; tx: number }> {
  const lines = lab.exec(ns.gw, 'wg', ['show', hubIface, 'dump']).trim().split('\n').slice(1);
  return new Map(
    lines.map((line) => {
      const f = line.split('\t');
      return [f[0] ?? '', { handshake: Number(f[4]), rx: Number(f[5]), tx: Number(f[6]) }];
    }),
  );
}

async function tokenFile(name: string, token: string): Promise<string> {
  const path = join(tmp.path, name);
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return path;
}

const rustronaut = (namespace: string, args: string[], env: Record<string, string>, input?: string) =>
  lab.start(namespace, process.execPath, [CLI, ...args], { RUSTRONAUT_LOG_FORMAT: 'json', ...env }, { input });

const startConnector = (namespace: string, dataDir: string, iface: string, input?: string) =>
  rustronaut(
    namespace,
    ['connector', '--admin', ADMIN, ...(input === undefined ? [] : ['--token-file', '/dev/stdin'])],
    {
      RUSTRONAUT_DATA_DIR: dataDir,
      RUSTRONAUT_CONNECTOR_INTERFACE: iface,
      RUSTRONAUT_CONNECTOR_OPS_LISTEN: '127.0.0.1:9092',
    },
    input,
  );

/** GETs a path of the connector's ops listener from inside its namespace: the status line, then the body. */
const connectorOps = (namespace: string, path: string) =>
  lab.exec(namespace, process.execPath, [
    '-e',
    `fetch('http://127.0.0.1:9092${path}').then(async (r) => console.log(r.status + '\\n' + (await r.text())))`,
  ]);

describeWithTools('WireGuard tunnels across network namespaces', missingWireguardGo(), () => {
  beforeAll(async () => {
    tmp = await makeTempDir('rustronaut-e2e-tunnel-');
    lab = createLab();
    ns = {
      client: lab.namespace('client'),
      gw: lab.namespace('gw'),
      site: lab.namespace('site'),
      site2: lab.namespace('site2'),
    };
    lab.link(ns.client, '10.1.0.2/24', ns.gw, '10.1.0.1/24');
    lab.link(ns.gw, '10.2.0.1/24', ns.site, '10.2.0.2/24');
    lab.link(ns.gw, '10.3.0.1/24', ns.site2, '10.3.0.2/24');
    lab.exec(ns.client, 'ip', ['route', 'add', 'default', 'via', '10.1.0.1']);
    lab.exec(ns.site, 'ip', ['route', 'add', 'default', 'via', '10.2.0.1']);
    lab.exec(ns.site2, 'ip', ['route', 'add', 'default', 'via', '10.3.0.1']);
    // The hub's name: each site knows it by the address on its own side of `gw`.
    lab.hosts(ns.site, { [HUB_NAME]: '10.2.0.1' });
    lab.hosts(ns.site2, { [HUB_NAME]: '10.3.0.1' });
    for (const [site, address] of [
      [ns.site, '192.168.50.10/24'],
      [ns.site2, '192.168.60.10/24'],
    ] as const) {
      // The LAN: a veth pair inside the site (no dummy module needed), the service on one end.
      lab.exec(site, 'ip', ['link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1']);
      lab.exec(site, 'ip', ['address', 'add', address, 'dev', 'lan0']);
      lab.exec(site, 'ip', ['link', 'set', 'lan0', 'up']);
      lab.exec(site, 'ip', ['link', 'set', 'lan1', 'up']);
    }
    const services = [
      lab.start(ns.site, process.execPath, node(SERVICE_SCRIPT, '192.168.50.10', '8080', 'lab')),
      lab.start(ns.site2, process.execPath, node(SERVICE_SCRIPT, '192.168.60.10', '8080', 'annex')),
    ];
    fromClient = lineClient(lab.start(ns.client, process.execPath, [CLIENT_SCRIPT], {}, { interactive: true }));
    fromGw = lineClient(lab.start(ns.gw, process.execPath, [CLIENT_SCRIPT], {}, { interactive: true }));
    hubIface = `rh${lab.id}`;

    admin = rustronaut(ns.gw, ['admin'], adminEnv());
    await within(150_000, 'the admin', async () => (await get(fromGw, `${ADMIN}/readyz`)).status === 200, 500);
    await within(10_000, 'the services', () =>
      Promise.resolve(services.every((s) => s.output().includes('listening'))),
    );

    const login = await api('POST', '/api/v1/auth/login', { email: EMAIL, password: PASSWORD });
    accessToken = login.body.accessToken as string;
    orgId = ((await api('GET', '/api/v1/me')).body.memberships as Array<{ orgId: string }>)[0]?.orgId ?? '';
    const hubRow = await api('POST', `/api/v1/orgs/${orgId}/gateways`, { name: 'hub', kind: 'hub' });
    const edge = await api('POST', `/api/v1/orgs/${orgId}/gateways`, { name: 'edge' });
    const site = await api('POST', `/api/v1/orgs/${orgId}/sites`, { name: 'lab' });
    expect([hubRow.status, edge.status, site.status]).toEqual([201, 201, 201]);
    siteId = site.body.id as string;
    const target = await api('POST', `/api/v1/orgs/${orgId}/site-targets`, {
      siteId,
      name: 'web',
      host: '192.168.50.10',
      port: 8080,
    });
    expect(target.status).toBe(201);
    siteForwarder = `${site.body.tunnelAddress as string}:${String(target.body.tunnelPort)}`;
    const upstream = { targets: [{ url: 'http://192.168.50.10:8080' }], siteId };
    // A short connect timeout: a request to a site whose connector is gone fails fast (acceptance 2).
    const options = { timeouts: { connectMs: 1000 } };
    for (const resource of [
      { name: 'lab app', kind: 'http', host: PUBLIC_HOST, ...upstream, options: { ...options, public: true } },
      { name: 'lab private', kind: 'http', host: PROTECTED_HOST, ...upstream, options },
    ]) {
      expect((await api('POST', `/api/v1/orgs/${orgId}/resources`, resource)).status).toBe(201);
    }

    hub = rustronaut(
      ns.gw,
      [
        'tunnel',
        '--admin',
        ADMIN,
        '--enrol-token-file',
        await tokenFile('hub.token', hubRow.body.enrolToken as string),
      ],
      hubEnv(),
    );
    rustronaut(
      ns.gw,
      [
        'gateway',
        '--admin',
        ADMIN,
        '--enrol-token-file',
        await tokenFile('gateway.token', edge.body.enrolToken as string),
      ],
      {
        RUSTRONAUT_DATA_DIR: join(tmp.path, 'gateway'),
        RUSTRONAUT_GATEWAY_HTTP_LISTEN: '10.1.0.1:8000',
        RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:9090',
      },
    );
    connector = startConnector(ns.site, join(tmp.path, 'site'), `rc${lab.id}`, `${site.body.enrolToken as string}\n`);
    await within(60_000, 'the first request through the tunnel', async () => {
      const answer = await viaGateway(PUBLIC_HOST, '/', {}, 3000);
      return answer.status === 200;
    });
  }, 240_000);

  afterAll(async () => {
    await lab?.close();
    await tmp?.remove();
  }, 30_000);

  it('a request from the client reaches the LAN-only service through WireGuard; a protected route wants credentials', async () => {
    // The service is not reachable from gw except through the tunnel.
    const direct = await get(fromGw, 'http://192.168.50.10:8080/', undefined, {}, 2000);
    expect(direct.status).toBe(0);
    const answer = await viaGateway(PUBLIC_HOST);
    expect(answer).toMatchObject({ status: 200, body: 'hello from lab\n' });

    const refused = await viaGateway(PROTECTED_HOST, '/', { accept: 'application/json' });
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('hello from lab');
    const key = await api('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: 'tunnel', permissions: ['resource:read'] });
    expect(key.status).toBe(201);
    await within(5000, 'the API key at the gateway', async () => {
      const ok = await viaGateway(PROTECTED_HOST, '/', { authorization: `Bearer ${key.body.key as string}` });
      return ok.status === 200 && ok.body === 'hello from lab\n';
    });

    // The hub's metrics and the admin's site view show the live tunnel, and the connector's target health.
    const line = new RegExp(
      `^rustronaut_tunnel_peer_last_handshake_timestamp_seconds\\{kind="site",id="${siteId}",name="lab"\\} (\\d+(\\.\\d+)?)$`,
      'm',
    );
    // The hub reads its device every 10 s.
    await within(
      15_000,
      'the handshake in the hub metrics',
      async () => {
        const metrics = (await fromGw.send({ url: 'http://127.0.0.1:9091/metrics', full: true })) as Answer;
        return Number(line.exec(metrics.body)?.[1] ?? 0) > Date.now() / 1000 - 300;
      },
      1000,
    );
    await within(
      30_000,
      'the site online in the admin',
      async () => {
        const view = (await api('GET', `/api/v1/orgs/${orgId}/sites/${siteId}`)).body;
        return view.online === true;
      },
      1000,
    );
    await within(
      25_000,
      'the target reported up',
      async () => {
        const targets = (await api('GET', `/api/v1/orgs/${orgId}/site-targets?siteId=${siteId}`)).body;
        return (targets.items as Array<{ health: string }>)[0]?.health === 'up';
      },
      1000,
    );
    // The connector's own ops listener (in the site): ready with the tunnel up, its hub handshake, the target up.
    expect(connectorOps(ns.site, '/readyz')).toMatch(/^200\n/);
    await within(
      15_000,
      'the connector metrics',
      () => {
        const metrics = connectorOps(ns.site, '/metrics');
        const handshake = /^rustronaut_connector_hub_last_handshake_timestamp_seconds (\S+)$/m.exec(metrics)?.[1];
        return Promise.resolve(
          Number(handshake ?? 0) > Date.now() / 1000 - 300 &&
            /^rustronaut_connector_target_up\{target="web"\} 1$/m.test(metrics),
        );
      },
      1000,
    );
  }, 90_000);

  it('the supervisor restores a killed wireguard-go of the connector, and traffic resumes within 10 s', async () => {
    const children = lab.exec(ns.site, 'ps', ['-o', 'pid=,comm=', '--ppid', String(connector.pid)]);
    const device = /^\s*(\d+)\s+wireguard-go/m.exec(children)?.[1];
    expect(device).toBeDefined();
    const killedAt = Date.now();
    process.kill(Number(device), 'SIGKILL');
    // The supervisor saw it die (so a request that succeeds from now on went through the restarted device).
    await within(5000, 'the device death in the log', () =>
      Promise.resolve(connector.output().includes('WireGuard device died')),
    );
    await within(
      10_000,
      'traffic after the device restart',
      async () => {
        const answer = await viaGateway(PUBLIC_HOST, '/', {}, 1500);
        return answer.status === 200;
      },
      500,
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    await within(5000, 'the restart in the log', () =>
      Promise.resolve(connector.output().includes('WireGuard device restarted')),
    );
    expect(lab.exec(ns.site, 'ps', ['-o', 'pid=,comm=', '--ppid', String(connector.pid)])).toMatch(/wireguard-go/);
  }, 30_000);

  it('a killed connector: the gateway answers 502 or 503 within 2 s, and recovers when it restarts', async () => {
    connector.child.kill('SIGKILL');
    await connector.exited;
    const killedAt = Date.now();
    const answer = await viaGateway(PUBLIC_HOST, '/', {}, 5000);
    expect([502, 503]).toContain(answer.status);
    expect(Date.now() - killedAt).toBeLessThan(2000);

    // Enrolled already: no token this time; the leftover device of the killed process is replaced.
    connector = startConnector(ns.site, join(tmp.path, 'site'), `rc${lab.id}`);
    await within(
      40_000,
      'traffic after the connector restart',
      async () => {
        return (await viaGateway(PUBLIC_HOST, '/', {}, 2000)).status === 200;
      },
      1000,
    );
  }, 60_000);

  it('a second site and a client device join during a long transfer: it completes, the first peer keeps its handshake', async () => {
    const before = hubPeers();
    const sitePublicKey = (await api('GET', `/api/v1/orgs/${orgId}/sites/${siteId}`)).body.publicKey as string;
    expect(before.get(sitePublicKey)?.handshake).toBeGreaterThan(0);
    const MB = 16;
    const transfer = viaGateway(PUBLIC_HOST, `/slow?mb=${String(MB)}&ms=500`, {}, 60_000);

    const second = await api('POST', `/api/v1/orgs/${orgId}/sites`, { name: 'annex' });
    expect(second.status).toBe(201);
    annexAddress = second.body.tunnelAddress as string;
    const target = await api('POST', `/api/v1/orgs/${orgId}/site-targets`, {
      siteId: second.body.id,
      name: 'web',
      host: '192.168.60.10',
      port: 8080,
    });
    expect(target.status).toBe(201);
    const resource = await api('POST', `/api/v1/orgs/${orgId}/resources`, {
      name: 'annex app',
      kind: 'http',
      host: SECOND_HOST,
      targets: [{ url: 'http://192.168.60.10:8080' }],
      siteId: second.body.id,
      options: { public: true },
    });
    expect(resource.status).toBe(201);
    startConnector(ns.site2, join(tmp.path, 'site2'), `rd${lab.id}`, `${second.body.enrolToken as string}\n`);
    const device = await api('POST', `/api/v1/orgs/${orgId}/devices`, { name: 'laptop', siteIds: [siteId] });
    expect(device.status).toBe(201);
    const made = device.body as { device: { tunnelAddress: string; publicKey: string }; config: { config: string } };
    laptop = { config: made.config.config, address: made.device.tunnelAddress, publicKey: made.device.publicKey };
    await within(30_000, 'the hub with three peers', () => Promise.resolve(hubPeers().size === 3), 500);
    await within(
      30_000,
      'the second site through its tunnel',
      async () => {
        const answer = await viaGateway(SECOND_HOST, '/', {}, 2000);
        return answer.status === 200 && answer.body === 'hello from annex\n';
      },
      500,
    );

    // The second connector looked the hub's name up in its own namespace: it dials the hub on its side of `gw`.
    expect(lab.exec(ns.site2, 'wg', ['show', `rd${lab.id}`, 'endpoints'])).toContain('\t10.3.0.1:51820');

    const done = await transfer;
    const expected = createHash('sha256');
    for (let i = 0; i < MB; i++) expected.update(Buffer.alloc(1024 * 1024, 'rustronaut tunnel '));
    expect(done).toMatchObject({ status: 200, bytes: MB * 1024 * 1024, sha256: expected.digest('hex') });
    const after = hubPeers().get(sitePublicKey);
    // The same session: no new handshake, and the counters only grew.
    expect(after?.handshake).toBe(before.get(sitePublicKey)?.handshake);
    expect(after?.rx).toBeGreaterThanOrEqual(before.get(sitePublicKey)?.rx ?? Infinity);
  }, 90_000);

  it('a client device joins the hub with its exported config: it reaches the site it was granted, nothing else', async () => {
    if (laptop === undefined) throw new Error('the device of the previous test is missing');
    // The device's config names the hub by its host name, which the client knows by gw's address on its side.
    lab.hosts(ns.client, { [HUB_NAME]: '10.1.0.1' });
    const iface = `rv${lab.id}`;
    const conf = join(tmp.path, `${iface}.conf`);
    await writeFile(conf, laptop.config, { mode: 0o600 });
    const stripped = join(tmp.path, `${iface}.setconf`);
    await writeFile(stripped, lab.exec(ns.client, 'wg-quick', ['strip', conf]), { mode: 0o600 });
    lab.start(ns.client, 'wireguard-go', ['-f', iface]);
    await within(5000, "the device's interface", () =>
      Promise.resolve(lab.exec(ns.client, 'ip', ['-br', 'link']).includes(iface)),
    );
    lab.exec(ns.client, 'wg', ['setconf', iface, stripped]);
    lab.exec(ns.client, 'ip', ['address', 'add', `${laptop.address}/32`, 'dev', iface]);
    lab.exec(ns.client, 'ip', ['link', 'set', iface, 'up']);
    // What wg-quick would route: the config's AllowedIPs.
    const siteAddress = siteForwarder.split(':')[0] ?? '';
    const allowed = /^AllowedIPs = (.+)$/m.exec(laptop.config)?.[1]?.split(/,\s*/) ?? [];
    expect(allowed).toEqual(['100.96.0.1/32', `${siteAddress}/32`]);
    for (const prefix of allowed) lab.exec(ns.client, 'ip', ['route', 'add', prefix, 'dev', iface]);

    // Through the device's own tunnel: the admin listening on the hub's host answers at the hub's address, and the
    // granted site's target answers at the site's tunnel address, forwarded by the hub from one peer to the other.
    await within(
      15_000,
      'the hub host through the device tunnel',
      async () => (await get(fromClient, 'http://100.96.0.1:8080/readyz', undefined, {}, 2000)).status === 200,
      500,
    );
    expect(hubPeers().get(laptop.publicKey)?.handshake).toBeGreaterThan(0);
    await within(
      15_000,
      "the granted site's target through the hub",
      async () => (await get(fromClient, `http://${siteForwarder}/`, undefined, {}, 2000)).body === 'hello from lab\n',
      500,
    );

    // The hub forwards the device's TCP to the site's target port and the replies back, and refuses anything else
    // that came in on its interface for another host: another port of the site's host (its sshd, say), the site it
    // was not granted, gw's other networks.
    const route = (to: string, from: string, ...tcp: string[]) => {
      try {
        return lab.exec(ns.gw, 'ip', ['route', 'get', to, 'from', from, 'iif', hubIface, 'ipproto', 'tcp', ...tcp]);
      } catch (err) {
        return (err as Error).message;
      }
    };
    const port = siteForwarder.split(':')[1] ?? '';
    expect(route(siteAddress, laptop.address, 'dport', port)).toContain(`dev ${hubIface}`);
    expect(route(laptop.address, siteAddress, 'sport', port)).toContain(`dev ${hubIface}`);
    const refused = /prohibit|Permission denied/;
    expect(route(siteAddress, laptop.address, 'dport', '22')).toMatch(refused);
    expect(route(annexAddress, laptop.address, 'dport', '8080')).toMatch(refused);
    expect(route(laptop.address, annexAddress, 'sport', '8080')).toMatch(refused);
    expect(route('10.2.0.2', laptop.address, 'dport', '8080')).toMatch(refused);
    const siteHost = lab.start(ns.site, process.execPath, node(SERVICE_SCRIPT, '0.0.0.0', '2222', 'site host'));
    await within(5000, "the site host's own service", () => Promise.resolve(siteHost.output().includes('listening')));
    expect((await get(fromClient, `http://${siteAddress}:2222/`, undefined, {}, 2000)).status).toBe(0);
    // A device that widens its own AllowedIPs still gets nothing from a site it was not granted.
    const hubKey = lab.exec(ns.client, 'wg', ['show', iface, 'peers']).trim();
    lab.exec(ns.client, 'wg', [
      'set',
      iface,
      'peer',
      hubKey,
      'allowed-ips',
      [...allowed, `${annexAddress}/32`].join(','),
    ]);
    lab.exec(ns.client, 'ip', ['route', 'add', `${annexAddress}/32`, 'dev', iface]);
    expect((await get(fromClient, `http://${annexAddress}:8080/`, undefined, {}, 2000)).status).toBe(0);
    expect((await get(fromClient, `http://${siteForwarder}/`, undefined, {}, 2000)).body).toBe('hello from lab\n');
  }, 60_000);

  it('with the admin down, the hub and the connector restart from their saved configuration and carry traffic', async () => {
    admin.child.kill('SIGTERM');
    expect(await admin.exited).toBe(0);
    for (const restart of [
      async () => {
        hub.child.kill('SIGTERM');
        expect(await hub.exited).toBe(0);
        // Rules outlive their interface: the hub removed its own.
        expect(lab.exec(ns.gw, 'ip', ['rule', 'show', 'iif', hubIface]).trim()).toBe('');
        hub = rustronaut(ns.gw, ['tunnel', '--admin', ADMIN], hubEnv());
      },
      async () => {
        connector.child.kill('SIGTERM');
        expect(await connector.exited).toBe(0);
        // As an older admin saved it: the connector's address as a /32, no devices. It still reaches the hub.
        const file = join(tmp.path, 'site', 'connector', 'snapshot.json');
        const saved = JSON.parse(await readFile(file, 'utf8')) as { site: { address: string; devices?: string[] } };
        saved.site.address = saved.site.address.replace(/\/\d+$/, '/32');
        delete saved.site.devices;
        await writeFile(file, JSON.stringify(saved), { mode: 0o600 });
        connector = startConnector(ns.site, join(tmp.path, 'site'), `rc${lab.id}`);
      },
    ]) {
      await restart();
      await within(
        40_000,
        'traffic without the admin',
        async () => {
          const answer = await viaGateway(PUBLIC_HOST, '/', {}, 2000);
          return answer.status === 200 && answer.body === 'hello from lab\n';
        },
        1000,
      );
    }
    // Log lines reach stdout in batches flushed every 200 ms: they may trail the traffic they describe.
    await within(2000, "the hub's and the connector's log lines", () =>
      Promise.resolve(
        hub.output().includes('serving the saved peers until the admin answers') &&
          connector.output().includes('serving the saved configuration until the admin answers'),
      ),
    );
  }, 120_000);

  it('with the admin back, a change brings the connector up again with the new address, and the device reaches the site', async () => {
    admin = rustronaut(ns.gw, ['admin'], adminEnv());
    await within(60_000, 'the admin again', async () => (await get(fromGw, `${ADMIN}/readyz`)).status === 200, 500);
    // Agents fetch a snapshot when the org's config version moves: here, a second device granted the site.
    const phone = await api('POST', `/api/v1/orgs/${orgId}/devices`, { name: 'phone', siteIds: [siteId] });
    expect(phone.status).toBe(201);
    await within(60_000, "the connector's new address", () =>
      Promise.resolve(connector.output().includes('the tunnel addresses changed: bringing the tunnel up again')),
    );
    const siteAddress = siteForwarder.split(':')[0] ?? '';
    // The device is re-created after that line: until it exists again, `ip` fails and the poll goes on.
    await within(10_000, "the connector's interface with the pool's prefix", () =>
      Promise.resolve()
        .then(() => lab.exec(ns.site, 'ip', ['-br', 'address', 'show', `rc${lab.id}`]).includes(`${siteAddress}/16`))
        .catch(() => false),
    );
    await within(
      20_000,
      'the site through the gateway and from the device',
      async () =>
        (await viaGateway(PUBLIC_HOST, '/', {}, 2000)).body === 'hello from lab\n' &&
        (await get(fromClient, `http://${siteForwarder}/`, undefined, {}, 2000)).body === 'hello from lab\n',
      500,
    );
  }, 150_000);
});

describeWithTools('rustronaut start and its tunnel hub', missingWireguardGo(), () => {
  let startLab: Lab;
  let dir: TempDir;
  beforeAll(async () => {
    startLab = createLab();
    dir = await makeTempDir('rustronaut-e2e-start-hub-');
  });
  afterAll(async () => {
    await startLab.close();
    await dir.remove();
  }, 30_000);

  /** `rustronaut start` in `namespace` with a first owner, so the local gateway and hub can enrol. */
  const start = (namespace: string, env: Record<string, string> = {}) =>
    startLab.start(namespace, process.execPath, [CLI, 'start'], {
      RUSTRONAUT_LOG_FORMAT: 'json',
      RUSTRONAUT_DATA_DIR: join(dir.path, 'data'),
      RUSTRONAUT_ADMIN_EMAIL: EMAIL,
      RUSTRONAUT_ADMIN_PASSWORD: PASSWORD,
      RUSTRONAUT_TUNNEL_INTERFACE: `rs${startLab.id}`,
      ...env,
    });
  const fetchIn = (namespace: string, url: string) =>
    startLab.exec(namespace, process.execPath, [
      '-e',
      `fetch(${JSON.stringify(url)}).then(async (r) => console.log(r.status, await r.text()), () => console.log(0))`,
    ]);
  const logged = (proc: LabProcess, text: string, ms: number) => {
    const started = Date.now();
    return new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (proc.output().includes(text)) resolve();
        else if (Date.now() - started > ms)
          reject(new Error(`no "${text}" within ${String(ms)} ms:\n${proc.output()}`));
        else return;
        clearInterval(timer);
      }, 200);
    });
  };

  it('runs the hub when it may (interface up, metrics on the gateway ops listener), says what is missing when not', async () => {
    const namespace = startLab.namespace('start');
    const withHub = start(namespace);
    await logged(withHub, 'hub peers reconciled', 150_000);
    expect(startLab.exec(namespace, 'ip', ['-br', 'address', 'show', `rs${startLab.id}`])).toContain('100.96.0.1/16');
    expect(fetchIn(namespace, 'http://127.0.0.1:9090/metrics')).toContain('rustronaut_tunnel_peers{kind="site"} 0');
    withHub.child.kill('SIGTERM');
    expect(await withHub.exited).toBe(0);
    expect(() => startLab.exec(namespace, 'ip', ['link', 'show', `rs${startLab.id}`])).toThrow();

    // The same data directory, but no wireguard-go (nor ip) on PATH: the rest runs, the log says what is missing.
    const withoutHub = start(namespace, { PATH: dir.path });
    await logged(withoutHub, 'the tunnel hub does not run in this process', 60_000);
    expect(withoutHub.output()).toContain('wireguard-go (Debian package wireguard-go)');
    await within(30_000, 'the admin without a hub', async () =>
      Promise.resolve(fetchIn(namespace, 'http://127.0.0.1:8080/readyz').startsWith('200')),
    );
    withoutHub.child.kill('SIGTERM');
    expect(await withoutHub.exited).toBe(0);
  }, 240_000);
});
