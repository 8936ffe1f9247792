import { auditEvents, gateways } from '@rustronaut/db';
import { and, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type OtherOrg, type TestAdmin } from '../../../test/harness.js';
import { EC_P256, x509 } from '../../control/x509.js';

async function csr(): Promise<string> {
  const keys = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({ keys, signingAlgorithm: EC_P256 });
  return request.toString('pem');
}

describe.each(testDrivers())('[$name] gateways API', (driver) => {
  let t: TestAdmin;
  let token: string;
  let orgId: string;
  let base: string;
  let other: OtherOrg;

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    token = await t.login(t.owner.email, t.owner.password);
    orgId = t.owner.orgId;
    base = `/api/v1/orgs/${orgId}/gateways`;
    other = await t.otherOrg({ email: 'carol@example.com', name: 'Carol', slug: 'carol' });
  });
  afterAll(() => t.close());

  const enrol = (enrolToken: string, request: string) =>
    t.request('POST', '/api/v1/agents/enrol', { body: { token: enrolToken, csr: request } });

  it('creates a gateway with a one-time token shown once, never its hash or fingerprint', async () => {
    const res = await t.request('POST', base, { token, body: { name: 'edge-1' } });
    expect(res.status).toBe(201);
    const { gateway, enrolToken } = res.body as { gateway: { id: string }; enrolToken: string };
    expect(enrolToken).toMatch(/^rgw_[A-Za-z0-9_-]{43}$/);
    expect(res.body).toMatchObject({ gateway: { name: 'edge-1', orgId, enrolled: false, lastSeenAt: null } });

    const [row] = await t.ctx.db.select().from(gateways).where(eq(gateways.id, gateway.id));
    expect(row?.enrolTokenHash).toBe(createHash('sha256').update(enrolToken).digest('hex'));
    expect(JSON.stringify(res.body)).not.toContain(row?.enrolTokenHash);

    expect((await enrol(enrolToken, await csr())).status).toBe(200);
    const [enrolled] = await t.ctx.db.select().from(gateways).where(eq(gateways.id, gateway.id));
    for (const answer of [
      await t.request('GET', base, { token }),
      await t.request('GET', `${base}/${gateway.id}`, { token }),
    ]) {
      expect(answer.status).toBe(200);
      const text = JSON.stringify(answer.body);
      expect(text).toContain('"enrolled":true');
      expect(text).not.toContain(enrolToken);
      expect(text).not.toContain(enrolled?.certFingerprint ?? 'no fingerprint');
      expect(text).not.toMatch(/tokenHash|fingerprint/i);
    }
  });

  it('answers 409 for a name used twice in the org, and pages the list', async () => {
    expect((await t.request('POST', base, { token, body: { name: 'dup' } })).status).toBe(201);
    const again = await t.request('POST', base, { token, body: { name: 'dup' } });
    expect(again.status).toBe(409);
    const first = await t.request('GET', `${base}?limit=1`, { token });
    const { items, nextCursor } = first.body as { items: unknown[]; nextCursor: string };
    expect(items).toHaveLength(1);
    const second = await t.request('GET', `${base}?limit=1&cursor=${nextCursor}`, { token });
    expect(second.body.items[0].id).not.toBe((items[0] as { id: string }).id);
  });

  it('issues a new token that voids the old one, and deletes, writing audit events', async () => {
    const created = await t.request('POST', base, { token, body: { name: 'edge-audit' } });
    const id = (created.body as { gateway: { id: string } }).gateway.id;
    const issued = await t.request('POST', `${base}/${id}/enrol-token`, { token });
    expect(issued.status).toBe(201);
    expect(issued.body.enrolToken).not.toBe(created.body.enrolToken);
    expect((await enrol(created.body.enrolToken as string, await csr())).status).toBe(401);
    expect((await enrol(issued.body.enrolToken as string, await csr())).status).toBe(200);

    expect((await t.request('DELETE', `${base}/${id}`, { token })).status).toBe(204);
    expect((await t.request('GET', `${base}/${id}`, { token })).status).toBe(404);
    expect((await t.request('DELETE', `${base}/${id}`, { token })).status).toBe(404);

    const events = await t.ctx.db
      .select({ action: auditEvents.action, actorType: auditEvents.actorType, actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.targetId, id)));
    expect(events).toEqual([
      { action: 'gateway.create', actorType: 'user', actorId: t.owner.userId },
      { action: 'gateway.token.create', actorType: 'user', actorId: t.owner.userId },
      { action: 'gateway.enrol', actorType: 'agent', actorId: id },
      { action: 'gateway.delete', actorType: 'user', actorId: t.owner.userId },
    ]);
  });

  it("answers 404 for another org's gateway on every route, and leaves it alone", async () => {
    const theirs = await t.request('POST', `/api/v1/orgs/${other.orgId}/gateways`, {
      token: other.token,
      body: { name: 'theirs' },
    });
    const id = (theirs.body as { gateway: { id: string } }).gateway.id;
    for (const [method, path] of [
      ['GET', `${base}/${id}`],
      ['DELETE', `${base}/${id}`],
      ['POST', `${base}/${id}/enrol-token`],
    ] as const) {
      const res = await t.request(method, path, { token });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const mine = (await t.request('GET', base, { token })).body as { items: Array<{ id: string }> };
    expect(mine.items.map((g) => g.id)).not.toContain(id);
    expect((await enrol(theirs.body.enrolToken as string, await csr())).status).toBe(200);
  });
});
