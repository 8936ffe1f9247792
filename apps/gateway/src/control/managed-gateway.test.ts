// A gateway managed over the control channel, against a real HTTPS stand-in for the admin (the admin's own
// side is tested in apps/admin, and both together in apps/admin/src/control/gateway-agent.test.ts).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { loadConfig } from '@rustronaut/config';
import { createLogger, createMetricsRegistry } from '@rustronaut/observability';
import { createTestCa, makeTempDir, startHttpUpstream, type HttpUpstream, type TempDir } from '@rustronaut/testkit';
import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../gateway.js';
import { startManagedGateway } from './managed-gateway.js';

x509.cryptoProvider.set(crypto);
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const ORG = randomUUID();
const GATEWAY = randomUUID();

const routeTo = (upstream: HttpUpstream, host = 'app.test') => ({
  name: 'app',
  match: { host },
  upstreams: [{ url: upstream.url }],
  access: 'public',
});

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

/** A real HTTP + mutual-TLS server speaking the admin's side of enrolment and the control channel. */
async function startStandInAdmin() {
  const ca = await createTestCa({ commonName: 'Stand-in control CA' });
  const serverCert = await ca.issue({ names: ['127.0.0.1', 'localhost'] });
  const der = Buffer.from(ca.keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const caKey = await crypto.subtle.importKey('pkcs8', der, EC, false, ['sign']);
  const caCert = new x509.X509Certificate(ca.certPem);
  const state = {
    tokens: new Set<string>(),
    csrs: [] as x509.Pkcs10CertificateRequest[],
    heartbeats: [] as Array<Record<string, unknown>>,
    snapshot: { orgId: ORG, version: 1, config: { routes: [] } } as unknown,
    snapshotStatus: 200,
    streamStatus: 200,
    streamConnections: 0,
  };
  const streams = new Set<ServerResponse>();
  const json = (res: ServerResponse, status: number, value: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

  const api: Server = createServer((req, res) => {
    void body(req).then(async (text) => {
      const { token, csr } = JSON.parse(text) as { token: string; csr: string };
      if (!state.tokens.delete(token)) {
        json(res, 401, { code: 'ERR_ENROL_INVALID', detail: 'token used' });
        return;
      }
      const request = new x509.Pkcs10CertificateRequest(csr);
      state.csrs.push(request);
      const cert = await x509.X509CertificateGenerator.create({
        subject: `CN=gateway ${GATEWAY}`,
        issuer: caCert.subject,
        publicKey: request.publicKey,
        signingKey: caKey,
        signingAlgorithm: EC,
        notAfter: new Date(Date.now() + 86_400_000),
        extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
      });
      json(res, 200, {
        gatewayId: GATEWAY,
        orgId: ORG,
        certificate: cert.toString('pem'),
        caCertificate: ca.certPem,
        controlUrl: `https://127.0.0.1:${String((control.address() as AddressInfo).port)}`,
      });
    });
  });
  const control = createHttpsServer(
    { key: serverCert.keyPem, cert: serverCert.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      if (req.url === '/v1/snapshot') {
        json(res, state.snapshotStatus, state.snapshot);
        return;
      }
      if (req.url === '/v1/heartbeat') {
        void body(req).then((text) => {
          state.heartbeats.push(JSON.parse(text) as Record<string, unknown>);
          res.writeHead(204).end();
        });
        return;
      }
      if (state.streamStatus !== 200) {
        json(res, state.streamStatus, { detail: 'refused' });
        return;
      }
      state.streamConnections++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `event: version\ndata: ${JSON.stringify({ version: (state.snapshot as { version: number }).version })}\n\n`,
      );
      streams.add(res);
      res.on('close', () => streams.delete(res));
    },
  );
  await Promise.all([
    new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve)),
  ]);
  return {
    state,
    url: `http://127.0.0.1:${String((api.address() as AddressInfo).port)}`,
    newToken() {
      const token = `rgw_${randomUUID()}`;
      state.tokens.add(token);
      return token;
    },
    /** Serves a new snapshot and announces it on every open stream. */
    push(
      snapshot: unknown,
      event = `event: version\ndata: ${JSON.stringify({ version: (snapshot as { version: number }).version })}\n\n`,
    ) {
      state.snapshot = snapshot;
      for (const s of streams) s.write(event);
    },
    dropStreams() {
      for (const s of streams) s.destroy();
    },
    streamCount: () => streams.size,
    async close() {
      this.dropStreams();
      control.closeAllConnections();
      api.closeAllConnections();
      await Promise.all([new Promise((r) => control.close(r)), new Promise((r) => api.close(r))]);
    },
  };
}

let tmp: TempDir;
let upstream: HttpUpstream;
let other: HttpUpstream;
let admin: Awaited<ReturnType<typeof startStandInAdmin>>;
const running: RunningGateway[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-managed-');
  upstream = await startHttpUpstream({ name: 'one' });
  other = await startHttpUpstream({ name: 'two' });
  admin = await startStandInAdmin();
});
afterEach(async () => {
  for (const g of running.splice(0)) await g.close();
});
afterAll(async () => {
  await Promise.all([upstream.close(), other.close(), admin.close()]);
  await tmp.remove();
});

async function start(dataDir: string, options: { adminUrl?: string; enrolToken?: string } = {}) {
  const config = loadConfig({
    env: {
      RUSTRONAUT_DATA_DIR: dataDir,
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: '127.0.0.1:0',
      RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0',
      RUSTRONAUT_GATEWAY_ACCESS_LOG: 'false',
    },
  });
  const gw = await startManagedGateway({
    config,
    logger: createLogger({ level: process.env.LOG ?? 'silent', format: 'json' }),
    metrics: createMetricsRegistry({ role: 'gateway', version: 'test' }),
    adminUrl: options.adminUrl ?? admin.url,
    enrolToken: options.enrolToken,
    agentVersion: '9.9.9',
    control: { heartbeatMs: 100, retryMinMs: 20, retryMaxMs: 100 },
  });
  running.push(gw);
  return gw;
}

const get = async (gw: RunningGateway, host = 'app.test') => {
  const res = await request(`http://127.0.0.1:${String(gw.httpPort)}/`, { headers: { host } });
  return { status: res.statusCode, body: await res.body.text() };
};
const ready = async (gw: RunningGateway) => (await fetch(`http://127.0.0.1:${String(gw.opsPort)}/readyz`)).status;

describe('startManagedGateway', () => {
  it('enrols with its own key, applies the snapshot, follows pushes and sends heartbeats', async () => {
    const dataDir = join(tmp.path, 'enrol');
    admin.push({ orgId: ORG, version: 3, config: { routes: [routeTo(upstream)] } });
    const gw = await start(dataDir, { enrolToken: admin.newToken() });

    const dir = join(dataDir, 'gateway');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, 'identity.json'), 'utf8'))).toMatchObject({
      agentId: GATEWAY,
      orgId: ORG,
    });
    const csr = admin.state.csrs.at(-1);
    expect(csr?.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(await csr?.verify()).toBe(true);

    await vi.waitFor(async () => expect((await get(gw)).body).toContain('"name":"one"'), { timeout: 5000 });
    expect(gw.version()).toBe(3);
    expect(await ready(gw)).toBe(200);

    admin.push({ orgId: ORG, version: 4, config: { routes: [routeTo(other)] } });
    await vi.waitFor(async () => expect((await get(gw)).body).toContain('"name":"two"'), { timeout: 5000 });
    await vi.waitFor(async () =>
      expect(JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8'))).toMatchObject({ version: 4 }),
    );
    await vi.waitFor(() =>
      expect(admin.state.heartbeats.at(-1)).toMatchObject({
        agentVersion: '9.9.9',
        configVersion: 4,
        status: { lastError: null },
      }),
    );
  });

  it('starts from the saved snapshot while the admin is down, and reconnects when it is back', async () => {
    const dataDir = join(tmp.path, 'static');
    admin.push({ orgId: ORG, version: 10, config: { routes: [routeTo(upstream)] } });
    await start(dataDir, { enrolToken: admin.newToken() }).then(async (gw) => {
      await vi.waitFor(async () => expect((await get(gw)).status).toBe(200), { timeout: 5000 });
      await gw.close();
      running.splice(running.indexOf(gw), 1);
    });

    admin.state.streamStatus = 503;
    admin.state.snapshotStatus = 503;
    const heartbeats = admin.state.heartbeats.length;
    const gw = await start(dataDir);
    // Serving at once from the file, before any answer from the admin.
    expect(gw.version()).toBe(10);
    expect(await ready(gw)).toBe(200);
    expect((await get(gw)).body).toContain('"name":"one"');

    admin.state.streamStatus = 200;
    admin.state.snapshotStatus = 200;
    admin.push({ orgId: ORG, version: 11, config: { routes: [routeTo(other)] } });
    await vi.waitFor(async () => expect((await get(gw)).body).toContain('"name":"two"'), { timeout: 5000 });
    await vi.waitFor(() => expect(admin.state.heartbeats.length).toBeGreaterThan(heartbeats));
  });

  it('reconnects after the stream drops and picks up what changed meanwhile', async () => {
    admin.push({ orgId: ORG, version: 20, config: { routes: [routeTo(upstream)] } });
    const gw = await start(join(tmp.path, 'drop'), { enrolToken: admin.newToken() });
    await vi.waitFor(async () => expect((await get(gw)).body).toContain('"name":"one"'), { timeout: 5000 });
    await vi.waitFor(() => expect(admin.streamCount()).toBeGreaterThan(0));
    admin.dropStreams();
    admin.state.snapshot = { orgId: ORG, version: 21, config: { routes: [routeTo(other)] } };
    await vi.waitFor(async () => expect((await get(gw)).body).toContain('"name":"two"'), { timeout: 5000 });
  });

  it('keeps its configuration when the admin sends garbage, an invalid or a foreign snapshot', async () => {
    const good = { orgId: ORG, version: 30, config: { routes: [routeTo(upstream)] } };
    admin.push(good);
    const gw = await start(join(tmp.path, 'garbage'), { enrolToken: admin.newToken() });
    await vi.waitFor(async () => expect((await get(gw)).status).toBe(200), { timeout: 5000 });
    // Each of these makes the client drop the stream and connect again.
    const breaking: Array<[unknown, string?]> = [
      [{ orgId: ORG, version: 31, config: { routes: [{ name: 'x' }] } }],
      [{ orgId: randomUUID(), version: 32, config: { routes: [] } }],
      [{ orgId: ORG, version: 33, config: 'routes' }],
      [good, 'event: version\ndata: {not json\n\n'],
      [good, 'event: version\ndata: {"version":-1}\n\n'],
      [good, `data: ${'x'.repeat(70_000)}\n\n`],
    ];
    for (const [snapshot, event] of breaking) {
      await vi.waitFor(() => expect(admin.streamCount()).toBe(1));
      const connections = admin.state.streamConnections;
      admin.push(snapshot, event);
      await vi.waitFor(() => expect(admin.state.streamConnections).toBeGreaterThan(connections), { timeout: 5000 });
      admin.state.snapshot = good;
      expect((await get(gw)).body).toContain('"name":"one"');
      expect(gw.version()).toBe(30);
    }
    // Valid shape, but it does not compile (two routes with one name): refused, reported in the heartbeat.
    admin.push({ orgId: ORG, version: 35, config: { routes: [routeTo(other), routeTo(other, 'b.test')] } });
    await vi.waitFor(() =>
      expect(admin.state.heartbeats.at(-1)?.['status']).toMatchObject({ lastError: expect.stringContaining('twice') }),
    );
    expect((await get(gw)).body).toContain('"name":"one"');
    expect(gw.version()).toBe(30);
  });

  it('fails clearly when it is not enrolled, the token is refused, or the admin cannot be reached', async () => {
    await expect(start(join(tmp.path, 'no-token'))).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    await expect(start(join(tmp.path, 'refused'), { enrolToken: 'rgw_unknown' })).rejects.toMatchObject({
      code: 'ERR_ENROL_INVALID',
      message: expect.stringContaining('token used'),
    });
    await expect(
      start(join(tmp.path, 'down'), { adminUrl: 'http://127.0.0.1:9', enrolToken: admin.newToken() }),
    ).rejects.toMatchObject({ code: 'ERR_CONTROL_UNAVAILABLE' });
  });

  it('refuses a damaged identity and ignores a damaged saved snapshot', async () => {
    const dataDir = join(tmp.path, 'damaged');
    admin.push({ orgId: ORG, version: 40, config: { routes: [routeTo(upstream)] } });
    const first = await start(dataDir, { enrolToken: admin.newToken() });
    await first.close();
    running.splice(running.indexOf(first), 1);

    await writeFile(join(dataDir, 'gateway', 'snapshot.json'), '{"orgId": 1');
    admin.state.streamStatus = 503;
    admin.state.snapshotStatus = 503;
    const gw = await start(dataDir);
    expect(await ready(gw)).toBe(503);
    expect((await get(gw)).status).toBe(404);
    admin.state.streamStatus = 200;
    admin.state.snapshotStatus = 200;
    await vi.waitFor(async () => expect(await ready(gw)).toBe(200), { timeout: 5000 });
    await gw.close();
    running.splice(running.indexOf(gw), 1);

    await writeFile(join(dataDir, 'gateway', 'identity.json'), '{"gatewayId":"x"}');
    await expect(start(dataDir)).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });
});
