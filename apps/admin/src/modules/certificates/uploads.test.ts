// Certificates uploaded by hand and DNS providers, through the admin API: what is checked, what is stored, and that
// neither a private key nor a TSIG secret ever comes back. Serving and ACME leaving uploads alone: acme.pebble.test.ts.
import { auditEvents, certificates, dnsProviders } from '@rustronaut/db';
import { createTestCa, type TestCa } from '@rustronaut/testkit';
import { and, eq } from 'drizzle-orm';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';
import { snapshotTls } from '../../certificates/snapshot-tls.js';

const PRIVATE_KEY = /PRIVATE KEY/;

describe.each(testDrivers())('[$name] uploaded certificates and DNS providers', (driver) => {
  let t: TestAdmin;
  let token: string;
  let ca: TestCa;
  let uploads: string;
  beforeAll(async () => {
    t = await startTestAdmin(driver);
    token = await t.login(t.owner.email, t.owner.password);
    ca = await createTestCa({ commonName: 'upload test CA' });
    uploads = `/api/v1/orgs/${t.owner.orgId}/uploaded-certificates`;
  });
  afterAll(() => t.close());

  const upload = (body: unknown) => t.request('POST', uploads, { token, body });

  it('stores a chain and its key sealed, pushes it to gateways, and never returns the key', async () => {
    const leaf = await ca.issue({ names: ['shop.example.test', '*.shop.example.test'], days: 30 });
    const before = await t.configVersion(t.owner.orgId);
    // The leaf, then its issuer: the chain is checked link by link.
    const res = await upload({ certPem: `${leaf.certPem}\n${ca.certPem}`, keyPem: leaf.keyPem });
    expect(res.status).toBe(201);
    const view = res.body as Record<string, unknown>;
    expect(view).toMatchObject({ hosts: ['shop.example.test', '*.shop.example.test'] });
    expect(view['issuer']).toContain('upload test CA');
    expect(JSON.stringify(res.body)).not.toMatch(PRIVATE_KEY);
    const list = await t.request('GET', uploads, { token });
    expect(list.status).toBe(200);
    expect((list.body as { items: Array<{ id: string }> }).items.map((i) => i.id)).toContain(view['id']);
    expect(JSON.stringify(list.body)).not.toMatch(PRIVATE_KEY);
    // Sealed at rest; the snapshot (mTLS control channel only) carries it to gateways, with its key.
    const [row] = await t.ctx.db
      .select()
      .from(certificates)
      .where(eq(certificates.id, String(view['id'])));
    expect(row?.source).toBe('upload');
    expect(JSON.stringify(row)).not.toMatch(PRIVATE_KEY);
    expect(await t.configVersion(t.owner.orgId)).toBeGreaterThan(before);
    const tls = await snapshotTls(t.ctx, t.owner.orgId);
    expect(tls.certificates.find((c) => c.id === view['id'])?.keyPem.trim()).toBe(leaf.keyPem.trim());
    const [event] = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'certificate.upload'), eq(auditEvents.targetId, String(view['id']))));
    expect(event?.data).toMatchObject({ hosts: ['shop.example.test', '*.shop.example.test'] });
    expect(JSON.stringify(event)).not.toMatch(PRIVATE_KEY);

    expect((await t.request('DELETE', `${uploads}/${String(view['id'])}`, { token })).status).toBe(204);
    const again = await t.request('DELETE', `${uploads}/${String(view['id'])}`, { token });
    expect(again.status).toBe(404);
  });

  it('takes an RSA key in PKCS#1 and hands it to gateways as PKCS#8', async () => {
    const rsa = await (await createTestCa({ keyType: 'rsa' })).issue({ names: ['rsa.example.test'], keyType: 'rsa' });
    const pkcs1 = createPrivateKey(rsa.keyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toMatch(/BEGIN RSA PRIVATE KEY/);
    const res = await upload({ certPem: rsa.certPem, keyPem: pkcs1 });
    expect(res.status).toBe(201);
    const tls = await snapshotTls(t.ctx, t.owner.orgId);
    const served = tls.certificates.find((c) => c.id === (res.body as { id: string }).id);
    expect(served?.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(createPrivateKey(served?.keyPem ?? '').asymmetricKeyType).toBe('rsa');
  });

  it('refuses garbage with a precise code', async () => {
    const leaf = await ca.issue({ names: ['garbage.example.test'], days: 1 });
    const other = await ca.issue({ names: ['other.example.test'] });
    const stranger = await createTestCa({ commonName: 'not the issuer' });
    const ipOnly = await ca.issue({ names: ['127.0.0.1'] });
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'secret',
    });
    const cases: Array<[string, unknown, number, string]> = [
      ['no PEM', { certPem: 'hello', keyPem: leaf.keyPem }, 422, 'ERR_CERT_UNPARSABLE'],
      [
        'a broken PEM body',
        { certPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', keyPem: leaf.keyPem },
        422,
        'ERR_CERT_UNPARSABLE',
      ],
      ['a key that is no key', { certPem: leaf.certPem, keyPem: 'nonsense' }, 422, 'ERR_CERT_UNPARSABLE'],
      ['an encrypted key', { certPem: leaf.certPem, keyPem: encrypted }, 422, 'ERR_CERT_UNPARSABLE'],
      ['no DNS name', { certPem: ipOnly.certPem, keyPem: ipOnly.keyPem }, 422, 'ERR_CERT_UNPARSABLE'],
      ["another certificate's key", { certPem: leaf.certPem, keyPem: other.keyPem }, 422, 'ERR_CERT_KEY_MISMATCH'],
      [
        'a chain whose next certificate is not the issuer',
        { certPem: `${leaf.certPem}\n${stranger.certPem}`, keyPem: leaf.keyPem },
        422,
        'ERR_CERT_CHAIN_INVALID',
      ],
      ['a missing key', { certPem: leaf.certPem }, 400, 'ERR_VALIDATION'],
      ['an unknown field', { certPem: leaf.certPem, keyPem: leaf.keyPem, host: 'x' }, 400, 'ERR_VALIDATION'],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await upload(body);
      expect({ what, status: res.status, code: (res.body as { code?: string }).code }).toEqual({ what, status, code });
      expect(JSON.stringify(res.body), what).not.toMatch(PRIVATE_KEY);
    }
    // Two days on, the one-day certificate has expired.
    t.advance(2 * 86_400_000);
    token = await t.login(t.owner.email, t.owner.password);
    const expired = await upload({ certPem: leaf.certPem, keyPem: leaf.keyPem });
    expect(expired.status).toBe(422);
    expect((expired.body as { code?: string }).code).toBe('ERR_CERT_EXPIRED');
    const stored = await t.ctx.db.select().from(certificates).where(eq(certificates.source, 'upload'));
    expect(stored.filter((c) => c.hosts.includes('garbage.example.test'))).toEqual([]);
  });

  it('keeps a DNS provider’s TSIG secret sealed and never returns it; refuses bad settings', async () => {
    const providers = `/api/v1/orgs/${t.owner.orgId}/dns-providers`;
    const secret = randomBytes(32).toString('base64');
    const body = {
      type: 'rfc2136',
      domain: 'Zone.Example.Test',
      wildcard: true,
      settings: { server: '192.0.2.53', keyName: 'acme-update.' },
      secret,
    };
    const created = await t.request('POST', providers, { token, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      domain: 'zone.example.test',
      wildcard: true,
      type: 'rfc2136',
      settings: { server: '192.0.2.53', port: 53, keyName: 'acme-update.', algorithm: 'hmac-sha256' },
    });
    const listed = await t.request('GET', providers, { token });
    for (const answer of [created.body, listed.body]) expect(JSON.stringify(answer)).not.toContain(secret);
    const rows = await t.ctx.db.select().from(dnsProviders);
    expect(JSON.stringify(rows)).not.toContain(secret);
    const audit = await t.ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'dns_provider.create'));
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(secret);

    const duplicate = await t.request('POST', providers, { token, body });
    expect(duplicate.status).toBe(409);
    const bad: Array<[string, Record<string, unknown>]> = [
      ['a secret that is not base64', { ...body, domain: 'a.test', secret: 'not base64!' }],
      ['a short secret', { ...body, domain: 'a.test', secret: 'c2hvcnQ=' }],
      ['an unknown type', { ...body, domain: 'a.test', type: 'route53' }],
      ['a port out of range', { ...body, domain: 'a.test', settings: { ...body.settings, port: 70_000 } }],
      ['a server with a scheme', { ...body, domain: 'a.test', settings: { ...body.settings, server: 'http://x' } }],
      ['no key name', { ...body, domain: 'a.test', settings: { server: '192.0.2.53' } }],
      ['a domain with a path', { ...body, domain: 'a.test/x' }],
    ];
    for (const [what, input] of bad) {
      const res = await t.request('POST', providers, { token, body: input });
      expect({ what, status: res.status, code: (res.body as { code?: string }).code }).toEqual({
        what,
        status: 400,
        code: 'ERR_VALIDATION',
      });
      expect(JSON.stringify(res.body)).not.toContain(secret);
    }
    const id = String((created.body as { id: string }).id);
    expect((await t.request('DELETE', `${providers}/${id}`, { token })).status).toBe(204);
    expect((await t.request('DELETE', `${providers}/${id}`, { token })).status).toBe(404);
  });
});
