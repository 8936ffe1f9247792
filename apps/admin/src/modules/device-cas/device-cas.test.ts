import { auditEvents } from '@rustronaut/db';
import { configSnapshot } from '@rustronaut/contracts';
import { createTestCa, type TestCa } from '@rustronaut/testkit';
import { eq } from 'drizzle-orm';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../control/build-snapshot.js';
import { problemOf, startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';

describe.each(testDrivers())('[$name] device CAs', (driver) => {
  let t: TestAdmin;
  let owner: string;
  let orgId: string;
  let ca: TestCa;
  const path = (rest = '') => `/api/v1/orgs/${orgId}/device-cas${rest}`;

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    orgId = t.owner.orgId;
    owner = await t.login(t.owner.email, t.owner.password);
    ca = await createTestCa({ commonName: 'Corp Devices' });
  });
  afterAll(() => t.close());

  it('trusts a CA (audited, config bumped), lists it with its fingerprint, and puts it in the snapshot', async () => {
    const before = await t.configVersion(orgId);
    const created = await t.request('POST', path(), {
      token: owner,
      body: { name: 'laptops', certificatePem: ca.certPem },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const fingerprint = new X509Certificate(ca.certPem).fingerprint256.replaceAll(':', '').toLowerCase();
    expect(created.body).toMatchObject({ name: 'laptops', subject: 'CN=Corp Devices', fingerprint });
    expect(await t.configVersion(orgId)).toBe(before + 1);
    const list = await t.request('GET', path(), { token: owner });
    expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.id, fingerprint })]);

    const resource = await t.request('POST', `/api/v1/orgs/${orgId}/resources`, {
      token: owner,
      body: {
        name: 'wiki',
        kind: 'http',
        host: 'wiki.devices.test',
        targets: [{ url: 'http://10.0.0.9' }],
        options: { public: true, clientCertificate: 'required' },
      },
    });
    expect(resource.status).toBe(201);
    const snapshot = configSnapshot.parse(await buildSnapshot(t.ctx, orgId, { adminUrl: 'http://admin.test' }));
    expect(snapshot.access?.deviceCas.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual([
      new X509Certificate(ca.certPem).fingerprint256,
    ]);
    // Public but asking for a certificate: still managed, so the gateway checks it.
    expect(snapshot.config.routes.find((r) => r.match.host === 'wiki.devices.test')?.access).toEqual({
      managed: { policy: null, public: true, clientCertificate: 'required' },
      identityHeaders: false,
    });

    expect((await t.request('DELETE', path(`/${created.body.id as string}`), { token: owner })).status).toBe(204);
    const audit = await t.ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.targetId, created.body.id as string));
    expect(audit.map((e) => e.action)).toEqual(['device_ca.create', 'device_ca.delete']);
  });

  it('refuses a leaf, a bundle, a private key, an expired CA, a duplicate and garbage, naming the field', async () => {
    const leaf = await ca.issue({ names: ['laptop.devices.test'] });
    const other = await createTestCa({ commonName: 'Other' });
    expect(
      (await t.request('POST', path(), { token: owner, body: { name: 'a', certificatePem: ca.certPem } })).status,
    ).toBe(201);
    const cases: [unknown, number, RegExp][] = [
      [{ name: 'leaf', certificatePem: leaf.certPem }, 400, /not a CA certificate/],
      [{ name: 'two', certificatePem: ca.certPem + other.certPem }, 400, /expected one PEM certificate, found 2/],
      [{ name: 'key', certificatePem: ca.certPem + ca.keyPem }, 400, /never its private key/],
      [{ name: 'none', certificatePem: 'hello' }, 400, /found 0/],
      [
        { name: 'junk', certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
        400,
        /cannot be parsed/,
      ],
      [{ name: 'again', certificatePem: ca.certPem }, 409, /already trusted/],
      [{ name: 'a', certificatePem: other.certPem }, 409, /name exists/],
      [{ name: 'x', certificatePem: 'x'.repeat(20_000) }, 400, /16384/],
      [{ name: 'x' }, 400, /certificatePem/],
      [{ name: 'x', certificatePem: ca.certPem, extra: 1 }, 400, /extra/],
    ];
    for (const [body, status, detail] of cases) {
      const res = await t.request('POST', path(), { token: owner, body });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(JSON.stringify(problemOf(res))).toMatch(detail);
    }
    const invalid = await t.request('POST', path(), {
      token: owner,
      body: { name: 'leaf', certificatePem: leaf.certPem },
    });
    expect(problemOf(invalid)).toMatchObject({ code: 'ERR_VALIDATION', errors: [{ field: 'body.certificatePem' }] });
    expect((await t.request('DELETE', path('/01900000-0000-7000-8000-000000000000'), { token: owner })).status).toBe(
      404,
    );
    // A viewer may read them but not change them.
    const viewer = await t.newMember(['viewer']);
    expect((await t.request('GET', path(), { token: viewer.token })).status).toBe(200);
    expect(
      (await t.request('POST', path(), { token: viewer.token, body: { name: 'v', certificatePem: other.certPem } }))
        .status,
    ).toBe(403);
  });

  it('refuses an expired CA', async () => {
    const soon = await createTestCa({ commonName: 'Old', days: 1 });
    t.advance(3 * 86_400_000);
    const token = await t.login(t.owner.email, t.owner.password);
    const res = await t.request('POST', path(), { token, body: { name: 'old', certificatePem: soon.certPem } });
    expect(res.status).toBe(400);
    expect(problemOf(res).detail).toMatch(/the CA expired/);
  });
});
