// Certificates from a real ACME server: Debian's pebble (with pebble-challtestsrv as its DNS) validates hosts
// against a real gateway process (the built `rustronaut gateway --admin`) managed by this admin's control plane.
import {
  acmeHosts,
  auditEvents,
  certificates,
  dnsProviders,
  newId,
  organizations,
  resources,
  settings,
} from '@rustronaut/db';
import {
  createTestCa,
  freePorts,
  makeTempDir,
  spawnNode,
  startHttpUpstream,
  type HttpUpstream,
  type NodeProcess,
  type TempDir,
} from '@rustronaut/testkit';
import { and, eq } from 'drizzle-orm';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startControlPlane, type TestControlPlane } from '../../test/control-plane.js';
import { requireBind, startBind } from '../../test/bind.js';
import { startPebble, requirePebble, type Pebble } from '../../test/pebble.js';
import { testDrivers } from '../../test/harness.js';
import type { AdminContext } from '../context.js';
import { bumpConfigVersion } from '../control/config-changes.js';
import { createGateway } from '../modules/gateways/service.js';
import {
  deleteUploadedCertificate,
  listCertificateStatus,
  uploadCertificate,
} from '../modules/certificates/service.js';
import { createDnsProvider } from '../modules/dns-providers/service.js';
import type { Caller } from '../modules/members/caller.js';
import { builtinCa } from './builtin-ca.js';
import { certificateKeyContext } from './certificate-keys.js';
import { startCertificateManager, type CertificateManager } from './certificate-manager.js';
import { RETRY_BASE_MS } from './renewal.js';

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const driver = testDrivers()[0]!;

describe.skipIf(!requirePebble())('ACME certificates from pebble, served by a managed gateway', () => {
  let plane: TestControlPlane;
  let ctx: AdminContext;
  let orgId: string;
  let upstream: HttpUpstream;
  let tmp: TempDir;
  let pebble: Pebble;
  let gateway: NodeProcess;
  let ports: { http: number; https: number; ops: number };
  let manager: CertificateManager | undefined;
  // The admin's clock: real time plus what the test moved it by.
  let offset = 0;
  const now = () => new Date(Date.now() + offset);

  beforeAll(async () => {
    const [http = 0, https = 0, ops = 0] = await freePorts(3);
    ports = { http, https, ops };
    pebble = await startPebble({ httpPort: http, tlsPort: https, validitySeconds: 3600 });
    plane = await startControlPlane(driver, { now });
    ctx = plane.ctx;
    orgId = newId();
    await ctx.db.insert(organizations).values({ id: orgId, name: 'Org', slug: `org-${orgId}` });
    upstream = await startHttpUpstream({ name: 'private-app' });
    tmp = await makeTempDir('rustronaut-acme-');
    const created = await createGateway(ctx, orgId, 'edge', { actor: { type: 'system', id: null }, ip: '' });
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, created.enrolToken, { mode: 0o600 });
    gateway = spawnNode(CLI, ['gateway', '--admin', plane.apiUrl, '--enrol-token-file', tokenFile], {
      RUSTRONAUT_DATA_DIR: join(tmp.path, 'gateway-data'),
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(http)}`,
      RUSTRONAUT_GATEWAY_HTTPS_LISTEN: `127.0.0.1:${String(https)}`,
      RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${String(ops)}`,
      RUSTRONAUT_LOG_FORMAT: 'json',
    });
    await vi.waitFor(
      async () => {
        if (gateway.child.exitCode !== null) throw new Error(`the gateway exited:\n${gateway.output()}`);
        const res = await request(`http://127.0.0.1:${String(ops)}/readyz`);
        await res.body.dump();
        expect(res.statusCode).toBe(200);
      },
      { timeout: 20_000, interval: 100 },
    );
  }, 60_000);
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
  });
  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    await plane?.close();
    await upstream?.close();
    await pebble?.close();
    await tmp?.remove();
  });

  const acme = (overrides: { challenge?: 'http-01' | 'tls-alpn-01'; directoryUrl?: string; email?: string } = {}) => ({
    directoryUrl: overrides.directoryUrl ?? pebble.directoryUrl,
    email: overrides.email,
    trustedRoots: [pebble.httpsRootPem],
    challenge: overrides.challenge ?? 'http-01',
  });

  async function publish(host: string, options: Record<string, unknown> = {}) {
    await ctx.db.transaction(async (tx) => {
      await tx.insert(resources).values({
        id: newId(),
        orgId,
        name: host,
        kind: 'http',
        host,
        targets: [{ url: upstream.url }],
        options: { public: true, ...options },
      });
      await bumpConfigVersion(tx, orgId);
    });
    ctx.changes.notify(orgId);
  }

  /** The certificate the gateway's HTTPS listener presents for `host`, verified against `ca` when given. */
  function served(host: string, ca?: string): Promise<PeerCertificate> {
    return new Promise((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port: ports.https, servername: host, ...(ca ? { ca } : { rejectUnauthorized: false }) },
        () => {
          const cert = socket.getPeerCertificate();
          socket.end();
          resolve(cert);
        },
      );
      socket.on('error', reject);
    });
  }

  const caller = (): Caller => ({ orgId, held: new Set(), actor: { type: 'system', id: null }, ip: '' });

  const statusOf = async (host: string, of: AdminContext = ctx) =>
    (await listCertificateStatus(of, orgId, undefined, 200)).find((r) => r.host === host)?.view;
  const audit = (action: string) =>
    ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));

  it.each(['tls-alpn-01', 'http-01'] as const)(
    '%s: within 30 s of the resource, the gateway serves a certificate pebble issued for its host',
    async (challenge) => {
      manager = startCertificateManager(ctx, { acme: acme({ challenge }) });
      const host = `${challenge.replace(/-/g, '')}.acme.test`;
      const root = await pebble.root();
      await publish(host);
      await vi
        .waitFor(
          async () => {
            const cert = await served(host, root);
            expect(cert.subjectaltname).toBe(`DNS:${host}`);
            expect(cert.issuer.CN).toMatch(/Pebble/);
          },
          { timeout: 30_000, interval: 250 },
        )
        .catch(async (err: unknown) => {
          throw new Error(`${String(err)}; status: ${JSON.stringify(await statusOf(host))}`);
        });
      // A client trusting pebble's root gets through to the upstream over HTTPS.
      const res = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: ports.https, servername: host, ca: root }, () => {
          socket.write(`GET /hello HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
        });
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(res).toMatch(/^HTTP\/1\.1 200/);
      expect(res).toContain('"name":"private-app"');
      expect(await statusOf(host)).toMatchObject({ status: 'valid', serving: 'acme', failures: 0, lastError: null });
      expect(await audit('certificate.issue')).toEqual(
        expect.arrayContaining([expect.objectContaining({ data: expect.objectContaining({ host }) })]),
      );
    },
    40_000,
  );

  it('serves a certificate of the built-in CA until one is issued, and says so in the status', async () => {
    manager = startCertificateManager(ctx, { acme: undefined });
    const host = 'fallback.acme.test';
    await publish(host);
    const { certPem } = await builtinCa(ctx);
    await vi.waitFor(async () => expect((await served(host, certPem)).subjectaltname).toBe(`DNS:${host}`), {
      timeout: 10_000,
      interval: 100,
    });
    expect(await statusOf(host)).toMatchObject({ status: 'pending', serving: 'builtin', acme: false });
  });

  it('failure paths: clear status and audit event, the old certificate stays, retries back off', async () => {
    // A host with a pebble certificate, due for renewal once the clock moves past two thirds of its hour.
    const host = 'renew-fails.acme.test';
    manager = startCertificateManager(ctx, { acme: acme() });
    await publish(host);
    await vi.waitFor(async () => expect((await statusOf(host))?.status).toBe('valid'), { timeout: 30_000 });
    await manager.close();
    const before = (await served(host)).serialNumber;
    offset += 41 * 60_000;

    // The directory is unreachable: nothing listens on its port.
    const [closed = 0] = await freePorts(1);
    manager = startCertificateManager(ctx, {
      acme: acme({ directoryUrl: `https://127.0.0.1:${String(closed)}/dir` }),
      random: () => 0,
    });
    await manager.sweep();
    const first = await statusOf(host);
    expect(first).toMatchObject({ status: 'failed', serving: 'acme', failures: 1 });
    expect(first?.lastError).toMatch(/ACME directory .* is unreachable: .*ECONNREFUSED/);
    const firstWait = Date.parse(first?.nextAttemptAt ?? '') - Date.parse(first?.lastAttemptAt ?? '');
    expect(Math.round(firstWait / (RETRY_BASE_MS / 2))).toBe(1);
    const failedEvents = await audit('certificate.renew.failed');
    expect(failedEvents.at(-1)?.data).toMatchObject({ host, failures: 1, error: first?.lastError });
    expect((await served(host)).serialNumber).toBe(before);
    // Not due yet: another sweep leaves the CA alone.
    await manager.sweep();
    expect((await statusOf(host))?.failures).toBe(1);
    // Each failure doubles the wait (jitter pinned to its least: half the exponential delay).
    const waits: number[] = [];
    for (let failures = 2; failures <= 4; failures++) {
      const previous = await statusOf(host);
      offset = Date.parse(previous?.nextAttemptAt ?? '') - Date.now() + 1000;
      const at = now().getTime();
      await manager.sweep();
      const next = await statusOf(host);
      expect(next?.failures).toBe(failures);
      waits.push(Date.parse(next?.nextAttemptAt ?? '') - at);
    }
    expect(waits.map((w) => Math.round(w / (RETRY_BASE_MS / 2)))).toEqual([2, 4, 8]);
    expect((await audit('certificate.renew.failed')).filter((e) => e.targetId === host)).toHaveLength(4);
    expect((await served(host)).serialNumber).toBe(before);
    await manager.close();

    // A challenge that fails: the CA's DNS sends it to an address where no gateway listens.
    const failing = 'challenge-fails.acme.test';
    await pebble.setAddresses(failing, ['127.0.0.2']);
    manager = startCertificateManager(ctx, { acme: acme() });
    await publish(failing);
    await vi.waitFor(async () => expect((await statusOf(failing))?.status).toBe('failed'), { timeout: 30_000 });
    const challenged = await statusOf(failing);
    expect(challenged).toMatchObject({ serving: 'builtin', failures: 1 });
    expect(challenged?.lastError).toMatch(/127\.0\.0\.2|connect|refused/i);
    expect((await audit('certificate.issue.failed')).map((e) => e.targetId)).toContain(failing);
    await manager.close();

    // A contact email the CA refuses (pebble takes ASCII addresses only).
    const refused = 'bad-contact.acme.test';
    manager = startCertificateManager(ctx, { acme: acme({ email: 'ops@exämple.com' }) });
    await publish(refused);
    await vi.waitFor(async () => expect((await statusOf(refused))?.status).toBe('failed'), { timeout: 30_000 });
    expect((await statusOf(refused))?.lastError).toMatch(/contact/i);
    expect((await statusOf(refused))?.serving).toBe('builtin');
    expect((await audit('certificate.issue.failed')).map((e) => e.targetId)).toContain(refused);
  }, 120_000);

  it('never replaces a certificate uploaded by hand; gateways serve it by SNI until it is deleted', async () => {
    const host = 'uploaded.acme.test';
    const ca = await createTestCa({ commonName: 'uploaded test CA' });
    const own = await ca.issue({ names: [host], days: 30 });
    const upload = await uploadCertificate(ctx, caller(), { certPem: own.certPem, keyPem: own.keyPem });
    manager = startCertificateManager(ctx, { acme: acme() });
    await publish(host);
    await vi.waitFor(async () => expect((await served(host, ca.certPem)).subjectaltname).toBe(`DNS:${host}`), {
      timeout: 10_000,
      interval: 100,
    });
    // An ACME run for the host leaves the uploaded certificate alone: no order, nothing issued.
    await manager.sweep();
    await manager.sweep();
    expect(await statusOf(host)).toMatchObject({ status: 'uploaded', serving: 'upload', lastAttemptAt: null });
    const [row] = await ctx.db.select().from(acmeHosts).where(eq(acmeHosts.host, host));
    expect(row?.certificateId).toBeNull();
    expect((await audit('certificate.issue')).filter((e) => e.data['host'] === host)).toEqual([]);
    expect((await served(host, ca.certPem)).issuer.CN).toBe('uploaded test CA');
    // Once it is deleted, ACME takes the host over.
    await deleteUploadedCertificate(ctx, caller(), upload.id);
    const root = await pebble.root();
    await vi.waitFor(async () => expect((await served(host, root)).issuer.CN).toMatch(/Pebble/), {
      timeout: 30_000,
      interval: 250,
    });
    expect((await audit('certificate.delete')).map((e) => e.targetId)).toContain(upload.id);
  }, 60_000);

  it.skipIf(!requireBind())(
    'dns-01 through RFC 2136 updates to BIND, a wildcard per domain, and the records removed after',
    async () => {
      const bind = await startBind(['dns01.test', 'wild.test']);
      const dnsPebble = await startPebble({
        httpPort: ports.http,
        tlsPort: ports.https,
        validitySeconds: 3600,
        dnsServer: `127.0.0.1:${String(bind.port)}`,
      });
      try {
        for (const [domain, wildcard] of [
          ['dns01.test', false],
          ['wild.test', true],
        ] as const) {
          await createDnsProvider(ctx, caller(), {
            domain,
            wildcard,
            type: 'rfc2136',
            settings: { server: '127.0.0.1', port: bind.port, keyName: bind.keyName, algorithm: 'hmac-sha256' },
            secret: bind.secret,
          });
        }
        manager = startCertificateManager(ctx, {
          acme: { ...acme({ directoryUrl: dnsPebble.directoryUrl }), trustedRoots: [dnsPebble.httpsRootPem] },
        });
        const root = await dnsPebble.root();
        const hosts = ['app.dns01.test', 'a.wild.test', 'b.wild.test'];
        for (const host of hosts) await publish(host);
        await vi
          .waitFor(
            async () => {
              const [app, a, b] = await Promise.all(hosts.map((h) => served(h, root)));
              expect(app?.subjectaltname).toBe('DNS:app.dns01.test');
              // One certificate `*.wild.test` serves both hosts of the wildcard domain.
              expect(a?.subjectaltname).toBe('DNS:*.wild.test');
              expect(b?.serialNumber).toBe(a?.serialNumber);
            },
            { timeout: 30_000, interval: 250 },
          )
          .catch(async (err: unknown) => {
            const states = await Promise.all([...hosts, '*.wild.test'].map((h) => statusOf(h)));
            throw new Error(`${String(err)}; status: ${JSON.stringify(states)}`);
          });
        // The status names the challenge when ACME is in the static configuration (this admin's is not).
        const configured = { ...ctx, config: { ...ctx.config, acme: { ...ctx.config.acme, directoryUrl: 'x' } } };
        expect(await statusOf('app.dns01.test', configured)).toMatchObject({
          status: 'valid',
          serving: 'acme',
          challenge: 'dns-01',
          coveredBy: null,
        });
        expect(await statusOf('a.wild.test', configured)).toMatchObject({
          status: 'valid',
          serving: 'acme',
          challenge: 'dns-01',
          coveredBy: '*.wild.test',
        });
        const issued = (await audit('certificate.issue')).map((e) => e.data['host']);
        expect(issued).toEqual(expect.arrayContaining(['app.dns01.test', '*.wild.test']));
        expect(issued).not.toContain('a.wild.test');
        // A provider whose secret the server does not know: the status and the audit log say so in BIND's words.
        await manager.close();
        await createDnsProvider(ctx, caller(), {
          domain: 'bad.dns01.test',
          wildcard: false,
          type: 'rfc2136',
          settings: {
            server: '127.0.0.1',
            port: bind.port,
            keyName: bind.keyName,
            algorithm: 'hmac-sha256',
            zone: 'dns01.test',
          },
          secret: Buffer.alloc(32, 1).toString('base64'),
        });
        manager = startCertificateManager(ctx, {
          acme: { ...acme({ directoryUrl: dnsPebble.directoryUrl }), trustedRoots: [dnsPebble.httpsRootPem] },
        });
        await publish('app.bad.dns01.test');
        await vi.waitFor(async () => expect((await statusOf('app.bad.dns01.test'))?.status).toBe('failed'), {
          timeout: 30_000,
        });
        expect(await statusOf('app.bad.dns01.test')).toMatchObject({ serving: 'builtin', failures: 1 });
        expect((await statusOf('app.bad.dns01.test'))?.lastError).toMatch(/answered NOTAUTH: .*TSIG .*BADSIG/);
        expect((await audit('certificate.issue.failed')).map((e) => e.targetId)).toContain('app.bad.dns01.test');
        // The TSIG secret is sealed at rest.
        expect(JSON.stringify(await ctx.db.select().from(dnsProviders))).not.toContain(bind.secret);
        // The challenge records are gone once the CA validated them.
        expect(await bind.txt('_acme-challenge.app.dns01.test')).toEqual([]);
        expect(await bind.txt('_acme-challenge.wild.test')).toEqual([]);
      } finally {
        await manager?.close();
        manager = undefined;
        await dnsPebble.close();
        await bind.close();
      }
    },
    60_000,
  );

  it('never writes key material in clear, and never returns it', async () => {
    const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
    const rows = [...(await ctx.db.select().from(certificates)), ...(await ctx.db.select().from(acmeHosts))];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row)).not.toMatch(pem);
    const dump = await ctx.db.select().from(settings);
    expect(dump.some((r) => r.key.startsWith('acme.account.'))).toBe(true);
    expect(JSON.stringify(dump)).not.toMatch(pem);
    const listing = await listCertificateStatus(ctx, orgId, undefined, 200);
    expect(JSON.stringify(listing.map((r) => r.view))).not.toMatch(pem);
    // The gateway keeps the certificate keys in memory only: its saved snapshot has no TLS part, and no file
    // holds any of them (its own enrolment key is a file of mode 0600; the access part is not this test's).
    const keys = (await ctx.db.select().from(certificates)).map((c) =>
      ctx.secrets.open(c.keyEnc, certificateKeyContext(c.id)).toString().trim(),
    );
    expect(keys.length).toBeGreaterThan(0);
    const dir = join(tmp.path, 'gateway-data', 'gateway');
    const saved = JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8')) as { tls?: unknown };
    expect(saved.tls).toEqual({ certificates: [], challenges: [] });
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      for (const key of keys) expect(text.includes(key), name).toBe(false);
    }
    expect((await stat(join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('renews a short-lived certificate before it expires, and never serves an expired one', async () => {
    const shortLived = await startPebble({ httpPort: ports.http, tlsPort: ports.https, validitySeconds: 15 });
    try {
      offset = 0;
      manager = startCertificateManager(ctx, {
        acme: { ...acme({ directoryUrl: shortLived.directoryUrl }), trustedRoots: [shortLived.httpsRootPem] },
        intervalMs: 500,
      });
      const host = 'short.acme.test';
      await publish(host);
      const serials = new Set<string>();
      const end = Date.now() + 40_000;
      while (Date.now() < end && serials.size < 3) {
        // Before the first certificate for the host arrives, handshakes fail: there is none to serve.
        const cert = await served(host).catch(() => undefined);
        const at = Date.now();
        if (cert !== undefined && /Pebble/.test(String(cert.issuer.CN))) {
          expect(Date.parse(cert.valid_to)).toBeGreaterThan(at);
          serials.add(cert.serialNumber);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(serials.size).toBeGreaterThanOrEqual(3);
      expect((await audit('certificate.renew')).filter((e) => e.data['host'] === host).length).toBeGreaterThanOrEqual(
        2,
      );
    } finally {
      await manager?.close();
      await shortLived.close();
    }
  }, 60_000);
});
