// The certificate manager without a CA: fallbacks from the built-in CA, uploaded certificates left alone, hosts
// that go away, and the status API. The ACME side runs against pebble in acme.pebble.test.ts.
import { acmeHosts, certificates, newId, resources } from '@rustronaut/db';
import { createTestCa, freePorts } from '@rustronaut/testkit';
import { eq } from 'drizzle-orm';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../../test/harness.js';
import { bumpConfigVersion } from '../control/config-changes.js';
import { builtinCa } from './builtin-ca.js';
import { certificateKeyContext } from './certificate-keys.js';
import { startCertificateManager } from './certificate-manager.js';
import { snapshotTls } from './snapshot-tls.js';

describe.each(testDrivers())('[$name] certificate manager', (driver) => {
  let t: TestAdmin;
  let token: string;
  beforeAll(async () => {
    t = await startTestAdmin(driver);
    token = await t.login(t.owner.email, t.owner.password);
  });
  afterAll(() => t.close());

  async function resource(host: string, options: Record<string, unknown> = {}) {
    const id = newId();
    await t.ctx.db.transaction(async (tx) => {
      await tx.insert(resources).values({
        id,
        orgId: t.owner.orgId,
        name: host,
        kind: 'http',
        host,
        targets: [{ url: 'http://127.0.0.1:9' }],
        options: { public: true, ...options },
      });
      await bumpConfigVersion(tx, t.owner.orgId);
    });
    return id;
  }
  const statuses = async () =>
    (await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/certificates`, { token })).body as {
      items: Array<Record<string, unknown>>;
    };

  it('gives every host a built-in CA certificate at once, leaves uploaded ones alone, and drops hosts that go', async () => {
    const [closed = 0] = await freePorts(1);
    // ACME is configured but unreachable: a host with a valid uploaded certificate must never be attempted.
    const manager = startCertificateManager(t.ctx, {
      acme: { directoryUrl: `https://127.0.0.1:${String(closed)}/dir`, challenge: 'http-01' },
      intervalMs: 3600_000,
    });
    try {
      const ca = await createTestCa();
      const uploaded = await ca.issue({ names: ['uploaded.example.test'], days: 30 });
      const uploadId = newId();
      await t.ctx.db.insert(certificates).values({
        id: uploadId,
        orgId: t.owner.orgId,
        hosts: ['uploaded.example.test'],
        source: 'upload',
        certPem: uploaded.certPem,
        keyEnc: t.ctx.secrets.seal(uploaded.keyPem, certificateKeyContext(uploadId)),
        notAfter: new Date(Date.now() + 30 * 86_400_000),
      });
      await resource('uploaded.example.test');
      await resource('optout.example.test', { acme: false });
      const gone = await resource('gone.example.test');
      const before = await t.configVersion(t.owner.orgId);
      await manager.sweep();
      expect(await t.configVersion(t.owner.orgId)).toBeGreaterThan(before);

      const { items } = await statuses();
      const byHost = Object.fromEntries(items.map((i) => [i['host'], i]));
      expect(byHost['uploaded.example.test']).toMatchObject({ status: 'uploaded', serving: 'upload', failures: 0 });
      expect(byHost['optout.example.test']).toMatchObject({
        status: 'pending',
        serving: 'builtin',
        acme: false,
        failures: 0,
      });
      // ACME is on for the third host; its directory is unreachable, so it failed and serves the fallback.
      expect(byHost['gone.example.test']).toMatchObject({ status: 'failed', serving: 'builtin', failures: 1 });
      expect(JSON.stringify(items)).not.toMatch(/PRIVATE KEY/);

      // The fallback chains to the built-in CA and names the host; the snapshot carries it with its key.
      const tls = await snapshotTls(t.ctx, t.owner.orgId);
      const fallback = tls.certificates.find((c) => c.source === 'builtin' && c.hosts[0] === 'optout.example.test');
      const leaf = new X509Certificate(fallback?.certPem ?? '');
      expect(leaf.checkIssued(new X509Certificate((await builtinCa(t.ctx)).certPem))).toBe(true);
      expect(leaf.subjectAltName).toBe('DNS:optout.example.test');
      expect(tls.certificates.find((c) => c.id === uploadId)?.keyPem).toBe(uploaded.keyPem);

      // The resource goes: so do its host row and its certificates; the uploaded certificate stays.
      await t.ctx.db.delete(resources).where(eq(resources.id, gone));
      await manager.sweep();
      const hosts = (await t.ctx.db.select().from(acmeHosts)).map((h) => h.host);
      expect(hosts).not.toContain('gone.example.test');
      expect((await t.ctx.db.select().from(certificates)).map((c) => c.id)).toContain(uploadId);
    } finally {
      await manager.close();
    }
  });
});
