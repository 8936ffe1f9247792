// The control channel over real mutual TLS: enrolment, snapshot, push stream, heartbeat, and who is refused.
import { auditEvents, configVersions, gateways, newId, organizations, policies, resources } from '@rustronaut/db';
import { createTestCa } from '@rustronaut/testkit';
import { and, eq } from 'drizzle-orm';
import { randomBytes, type webcrypto } from 'node:crypto';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type TestControlPlane } from '../../test/control-plane.js';
import { testDrivers } from '../../test/harness.js';
import type { AdminContext } from '../context.js';
import { createGateway, deleteGateway, issueEnrolToken } from '../modules/gateways/service.js';
import { bumpConfigVersion } from './config-changes.js';
import type { ControlServer } from './control-server.js';
import { EC_P256, x509 } from './x509.js';

const SYSTEM = { actor: { type: 'system', id: null }, ip: '127.0.0.1' } as const;

/** A key and CSR made the way an agent makes them. */
async function agentKey(algorithm: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams = EC_P256) {
  const signing = algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : algorithm;
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=whatever the agent asks',
    keys,
    signingAlgorithm: signing,
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return { csr: csr.toString('pem'), keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n` };
}

/** Reads `version` events from an open SSE body. */
function eventReader(body: AsyncIterable<Buffer>) {
  const it = body[Symbol.asyncIterator]();
  let buffer = '';
  return async (): Promise<number> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: version$/m.test(block) && data !== undefined)
          return (JSON.parse(data) as { version: number }).version;
        continue;
      }
      const next = await it.next();
      if (next.done === true) throw new Error('stream ended');
      buffer += next.value.toString();
    }
  };
}

describe.each(testDrivers())('[$name] control channel', (driver) => {
  let plane: TestControlPlane;
  let ctx: AdminContext;
  let clock = Date.now();
  let control: ControlServer;
  let apiUrl: string;
  let orgId: string;
  let otherOrgId: string;

  beforeAll(async () => {
    plane = await startControlPlane(driver, {
      now: () => new Date(clock),
      control: { pollMs: 100, keepaliveMs: 200 },
    });
    ({ ctx, control, apiUrl } = plane);
    [orgId, otherOrgId] = [newId(), newId()];
    await ctx.db.insert(organizations).values([
      { id: orgId, name: 'Org', slug: `org-${orgId}` },
      { id: otherOrgId, name: 'Other', slug: `org-${otherOrgId}` },
    ]);
  });
  afterAll(() => plane.close());

  const enrolRaw = (body: string, contentType = 'application/json') =>
    request(`${apiUrl}/api/v1/agents/enrol`, { method: 'POST', body, headers: { 'content-type': contentType } });
  const enrol = async (token: string, csr: string) => {
    const res = await enrolRaw(JSON.stringify({ token, csr }));
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, string> };
  };
  /** Creates a gateway and enrols it; returns a client that speaks mTLS with its certificate. */
  const enrolled = async (name: string, org = orgId) => {
    const created = await createGateway(ctx, org, name, SYSTEM);
    const key = await agentKey();
    const res = await enrol(created.enrolToken, key.csr);
    expect(res.status).toBe(200);
    const dispatcher = new Agent({
      connect: { ca: res.body['caCertificate'], cert: res.body['certificate'], key: key.keyPem },
    });
    return { id: created.gateway.id, dispatcher, certificate: res.body['certificate'] ?? '', keyPem: key.keyPem };
  };
  const addResource = async (values: Partial<typeof resources.$inferInsert>, notify = true, org = orgId) => {
    const id = newId();
    await ctx.db.transaction(async (tx) => {
      await tx.insert(resources).values({
        id,
        orgId: org,
        name: `res-${id}`,
        kind: 'http',
        host: `${id.slice(-12)}.example.com`,
        targets: [{ url: 'http://127.0.0.1:9' }],
        options: { public: true },
        ...values,
      });
      await bumpConfigVersion(tx, org);
    });
    if (notify) ctx.changes.notify(org);
    return id;
  };

  it('enrols with a one-time token: certificate from the CA, gateway enrolled, audit events written', async () => {
    const created = await createGateway(ctx, orgId, 'edge-1', SYSTEM);
    expect(created.enrolToken).toMatch(/^rgw_[A-Za-z0-9_-]{43}$/);
    const key = await agentKey();
    const res = await enrol(created.enrolToken, key.csr);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ gatewayId: created.gateway.id, orgId, controlUrl: control.url });
    const cert = new x509.X509Certificate(res.body['certificate'] ?? '');
    expect(cert.subject).toBe(`CN=gateway ${created.gateway.id}`);
    expect(await cert.verify({ publicKey: new x509.X509Certificate(res.body['caCertificate'] ?? '').publicKey })).toBe(
      true,
    );
    const [row] = await ctx.db.select().from(gateways).where(eq(gateways.id, created.gateway.id));
    expect(row).toMatchObject({ enrolTokenHash: null, certSerial: cert.serialNumber });
    expect(row?.certFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const actions = await ctx.db
      .select({ action: auditEvents.action, actorType: auditEvents.actorType })
      .from(auditEvents)
      .where(eq(auditEvents.targetId, created.gateway.id));
    expect(actions).toEqual([
      { action: 'gateway.create', actorType: 'system' },
      { action: 'gateway.enrol', actorType: 'agent' },
    ]);
  });

  it('refuses a reused, an expired, a replaced and an unknown token with 401 ERR_ENROL_INVALID', async () => {
    const created = await createGateway(ctx, orgId, 'edge-tokens', SYSTEM);
    const { csr } = await agentKey();
    expect((await enrol(created.enrolToken, csr)).status).toBe(200);
    const reused = await enrol(created.enrolToken, csr);
    expect(reused).toMatchObject({ status: 401, body: { code: 'ERR_ENROL_INVALID' } });

    const first = await issueEnrolToken(ctx, orgId, created.gateway.id, SYSTEM);
    const second = await issueEnrolToken(ctx, orgId, created.gateway.id, SYSTEM);
    expect((await enrol(first.enrolToken, csr)).status).toBe(401);

    clock += 60 * 60_000 + 1;
    try {
      expect(await enrol(second.enrolToken, csr)).toMatchObject({ status: 401, body: { code: 'ERR_ENROL_INVALID' } });
    } finally {
      clock -= 60 * 60_000 + 1;
    }
    expect((await enrol(`rgw_${randomBytes(32).toString('base64url')}`, csr)).status).toBe(401);
    // The replaced-then-expired token never worked: the earlier certificate is still the gateway's.
    const audits = await ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, created.gateway.id), eq(auditEvents.action, 'gateway.enrol')));
    expect(audits).toHaveLength(1);
  });

  it('answers garbage enrolment bodies with 4xx problems, never 500, and keeps the token usable', async () => {
    const created = await createGateway(ctx, orgId, 'edge-garbage', SYSTEM);
    const token = created.enrolToken;
    const valid = await agentKey();
    const rsa = await agentKey({
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    });
    const p384 = await agentKey({ name: 'ECDSA', namedCurve: 'P-384' });
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(valid.csr).rawData);
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff;
    const badSignature = new x509.Pkcs10CertificateRequest(der).toString('pem');
    const pemOf = (body: string) => `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----`;
    const bodies: Array<[string, string, string?]> = [
      ['not json', '{"token":'],
      ['empty', ''],
      ['array', '[]'],
      ['null', 'null'],
      ['wrong types', JSON.stringify({ token: 1, csr: false })],
      ['unknown field', JSON.stringify({ token, csr: valid.csr, admin: true })],
      ['missing csr', JSON.stringify({ token })],
      ['bad token shape', JSON.stringify({ token: "rgw_' OR 1=1 --", csr: valid.csr })],
      ['huge', JSON.stringify({ token, csr: 'A'.repeat(100_000) })],
      ['csr not base64', JSON.stringify({ token, csr: pemOf('%%%') })],
      ['csr random DER', JSON.stringify({ token, csr: pemOf(randomBytes(200).toString('base64')) })],
      ['csr RSA', JSON.stringify({ token, csr: rsa.csr })],
      ['csr P-384', JSON.stringify({ token, csr: p384.csr })],
      ['csr bad signature', JSON.stringify({ token, csr: badSignature })],
      ['proto poisoning', `{"token":"${token}","csr":"x","__proto__":{"a":1}}`],
      ['text/plain', JSON.stringify({ token, csr: valid.csr }), 'text/plain'],
    ];
    for (const [what, body, type] of bodies) {
      const res = await enrolRaw(body, type);
      const text = await res.body.text();
      expect([what, res.statusCode]).toEqual([what, expect.toSatisfy((s: number) => s >= 400 && s < 500)]);
      expect([what, res.headers['content-type']]).toEqual([what, 'application/problem+json; charset=utf-8']);
      expect(text).not.toContain(token);
    }
    expect((await enrol(token, valid.csr)).status).toBe(200);
  });

  it('serves the org snapshot: enabled resources as public or managed routes, public TCP listeners, access', async () => {
    const gw = await enrolled('edge-snapshot');
    const http = await addResource({
      host: 'app.snapshot.test',
      pathPrefix: '/api',
      targets: [{ url: 'http://10.0.0.5:8080', weight: 3 }],
      options: { public: true, loadBalancing: 'least-connections', unrelated: 1 },
    });
    await addResource({ host: 'off.snapshot.test', enabled: false });
    await addResource({ host: 'private.snapshot.test', options: {} });
    const policyId = newId();
    await ctx.db.insert(policies).values({ id: policyId, orgId, name: `p-${policyId}`, rules: [] });
    await addResource({ host: 'policy.snapshot.test', policyId });
    await addResource({
      kind: 'tcp',
      host: '',
      port: 15432,
      targets: [{ host: '10.0.0.7', port: 5432 }],
      options: { public: true },
    });
    await addResource({
      kind: 'tcp',
      host: 'db.snapshot.test',
      port: 15433,
      targets: [{ host: 'fd00::7', port: 5432 }],
    });
    await addResource({ host: 'broken.snapshot.test', targets: [{ url: 'ftp://nope' }] });
    await addResource({ host: 'other-org.snapshot.test' }, true, otherOrgId);

    const res = await request(`${control.url}/v1/snapshot`, { dispatcher: gw.dispatcher });
    expect(res.statusCode).toBe(200);
    const snapshot = (await res.body.json()) as {
      orgId: string;
      version: number;
      config: { routes: Array<Record<string, unknown>>; tcp: Array<Record<string, unknown>> };
      access: unknown;
    };
    const [row] = await ctx.db.select().from(configVersions).where(eq(configVersions.orgId, orgId));
    expect(snapshot).toMatchObject({ orgId, version: row?.version });
    const route = snapshot.config.routes.find((r) => r['name'] === http);
    expect(route).toMatchObject({
      match: { host: 'app.snapshot.test', pathPrefix: '/api' },
      upstreams: [{ url: 'http://10.0.0.5:8080', weight: 3 }],
      loadBalancing: 'least-connections',
      access: 'public',
    });
    const hosts = snapshot.config.routes.map((r) => (r['match'] as { host: string }).host);
    const accessOf = (host: string) =>
      snapshot.config.routes.find((r) => (r['match'] as { host: string }).host === host)?.['access'];
    // Not public, or with a policy: the gateway signs users in and asks the policy (none: any member).
    expect(accessOf('private.snapshot.test')).toMatchObject({ managed: { policy: null, public: false } });
    expect(accessOf('policy.snapshot.test')).toMatchObject({ managed: { policy: policyId } });
    expect(snapshot).toMatchObject({
      access: { issuer: 'rustronaut', policies: { [policyId]: { rules: [] } }, revokedSessions: [] },
    });
    expect(hosts).not.toContain('off.snapshot.test');
    expect(hosts).not.toContain('broken.snapshot.test');
    expect(hosts).not.toContain('other-org.snapshot.test');
    expect(snapshot.config.tcp).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'tcp-15432',
          listen: ':15432',
          upstreams: [{ address: '10.0.0.7:5432', weight: 1 }],
        }),
      ]),
    );
    expect(snapshot.config.tcp.find((l) => l['name'] === 'tcp-15433')).toMatchObject({
      sni: [{ host: 'db.snapshot.test', upstreams: [{ address: '[fd00::7]:5432', weight: 1 }] }],
    });
  });

  it('pushes the version on connect, on every change in this process, and on changes of another process', async () => {
    const gw = await enrolled('edge-stream');
    const res = await request(`${control.url}/v1/stream`, { dispatcher: gw.dispatcher });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const next = eventReader(res.body);
    try {
      const first = await next();
      await addResource({});
      expect(await next()).toBe(first + 1);
      // Committed without notify, as another admin process sharing the database would: the poll finds it.
      await addResource({}, false);
      expect(await next()).toBe(first + 2);
      // Another org's change is not announced here.
      await addResource({}, true, otherOrgId);
      await addResource({});
      expect(await next()).toBe(first + 3);
    } finally {
      res.body.destroy();
    }
  });

  it('records heartbeats and refuses garbage ones with 4xx', async () => {
    const gw = await enrolled('edge-heartbeat');
    const beat = (body: string, type = 'application/json') =>
      request(`${control.url}/v1/heartbeat`, {
        method: 'POST',
        body,
        headers: { 'content-type': type },
        dispatcher: gw.dispatcher,
      });
    const ok = await beat(
      JSON.stringify({ agentVersion: '1.2.3', configVersion: 7, status: { routes: 3, lastError: null } }),
    );
    expect(ok.statusCode).toBe(204);
    await ok.body.dump();
    const [row] = await ctx.db.select().from(gateways).where(eq(gateways.id, gw.id));
    expect(row).toMatchObject({ agentVersion: '1.2.3', configVersion: 7, status: { routes: 3, lastError: null } });
    expect(row?.lastSeenAt?.getTime()).toBe(clock);

    for (const [body, type] of [
      ['{', undefined],
      ['', undefined],
      [JSON.stringify({ agentVersion: 1, configVersion: 'x' }), undefined],
      [JSON.stringify({ agentVersion: 'v', configVersion: -1 }), undefined],
      [JSON.stringify({ agentVersion: 'v', configVersion: 1, extra: 1 }), undefined],
      [JSON.stringify({ agentVersion: 'v', configVersion: 1, status: { nested: { a: 1 } } }), undefined],
      [JSON.stringify({ agentVersion: 'v'.repeat(100_000), configVersion: 1 }), undefined],
      ['{"agentVersion":"v","configVersion":1,"constructor":{"prototype":{}}}', undefined],
      [JSON.stringify({ agentVersion: 'v', configVersion: 1 }), 'text/plain'],
    ] as const) {
      const res = await beat(body, type);
      expect([body.slice(0, 40), res.statusCode]).toEqual([
        body.slice(0, 40),
        expect.toSatisfy((s: number) => s >= 400 && s < 500),
      ]);
      await res.body.dump();
    }
  });

  it('refuses clients without a certificate and with one from another CA at the TLS handshake', async () => {
    const gw = await createGateway(ctx, orgId, 'edge-tls', SYSTEM);
    const { caCertificate } = (await enrol(gw.enrolToken, (await agentKey()).csr)).body;
    const anonymous = new Agent({ connect: { ca: caCertificate } });
    await expect(request(`${control.url}/v1/snapshot`, { dispatcher: anonymous })).rejects.toThrow();
    const foreign = await createTestCa({ commonName: 'Foreign CA' });
    const leaf = await foreign.issue({ names: ['gateway'] });
    const impostor = new Agent({ connect: { ca: caCertificate, cert: leaf.certPem, key: leaf.keyPem } });
    await expect(request(`${control.url}/v1/snapshot`, { dispatcher: impostor })).rejects.toThrow();
    await Promise.all([anonymous.close(), impostor.close()]);
  });

  it("refuses a deleted gateway's and a re-enrolled gateway's old certificate with 401, and ends its stream", async () => {
    const gw = await enrolled('edge-deleted');
    const stream = await request(`${control.url}/v1/stream`, { dispatcher: gw.dispatcher });
    const next = eventReader(stream.body);
    await next();
    await deleteGateway(ctx, orgId, gw.id, SYSTEM);
    await expect(next()).rejects.toThrow('stream ended');
    const refused = await request(`${control.url}/v1/snapshot`, { dispatcher: gw.dispatcher });
    expect(refused.statusCode).toBe(401);
    expect(await refused.body.json()).toMatchObject({ code: 'ERR_UNAUTHENTICATED' });

    const again = await enrolled('edge-reenrolled');
    const token = await issueEnrolToken(ctx, orgId, again.id, SYSTEM);
    expect((await enrol(token.enrolToken, (await agentKey()).csr)).status).toBe(200);
    const old = await request(`${control.url}/v1/heartbeat`, {
      method: 'POST',
      body: JSON.stringify({ agentVersion: 'v', configVersion: 1 }),
      headers: { 'content-type': 'application/json' },
      dispatcher: again.dispatcher,
    });
    expect(old.statusCode).toBe(401);
    await old.body.dump();
  });
});
