import { loadConfig } from '@rustronaut/config';
import { certificates, newId } from '@rustronaut/db';
import { createLogger, createMetricsRegistry, type Registry } from '@rustronaut/observability';
import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { sql } from 'drizzle-orm';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../../test/harness.js';
import { startAdmin } from '../server.js';
import { createAdminMetrics } from './admin-metrics.js';
import { startAuditVerifier } from './audit-verifier.js';

/** A logger whose JSON lines the test reads. */
function capturedLogger() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as never);
  });
  return { logger: createLogger({ level: 'info', format: 'json', destination: stream }), lines };
}

const sample = async (registry: Registry, name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];

describe.each(testDrivers())('[$name] admin metrics', (driver) => {
  let t: TestAdmin;
  beforeAll(async () => {
    t = await startTestAdmin(driver);
  }, 60_000);
  afterAll(() => t.close());

  it('exports the expiry of every stored certificate, read at scrape time', async () => {
    const registry = createMetricsRegistry({ role: 'admin', version: '0', defaultMetrics: false });
    createAdminMetrics(registry, t.ctx.db, t.ctx.logger);
    expect(await sample(registry, 'rustronaut_certificate_expiry_timestamp_seconds')).toEqual([]);
    const notAfter = new Date('2027-01-02T03:04:05Z');
    const id = newId();
    await t.ctx.db.insert(certificates).values({
      id,
      orgId: t.owner.orgId,
      hosts: ['app.example.com'],
      source: 'upload',
      certPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      keyEnc: 'sealed',
      notAfter,
    });
    const text = await registry.metrics();
    expect(text).toContain(
      `rustronaut_certificate_expiry_timestamp_seconds{certificate_id="${id}",org_id="${t.owner.orgId}",source="upload"} ${String(notAfter.getTime() / 1000)}`,
    );
    await t.ctx.db.delete(certificates);
    expect(await sample(registry, 'rustronaut_certificate_expiry_timestamp_seconds')).toEqual([]);
  });

  it('verifies the audit chains in the background: 1 while intact, 0 and an error log once an event is changed', async () => {
    const registry = createMetricsRegistry({ role: 'admin', version: '0', defaultMetrics: false });
    const metrics = createAdminMetrics(registry, t.ctx.db, t.ctx.logger);
    const { logger, lines } = capturedLogger();
    const verifier = startAuditVerifier(t.ctx.db, metrics, logger, 3_600_000, () => new Date(1_800_000_000_000));
    try {
      await verifier.runNow();
      expect(await sample(registry, 'rustronaut_audit_verification_ok')).toMatchObject([{ value: 1 }]);
      expect(await sample(registry, 'rustronaut_audit_verification_timestamp_seconds')).toMatchObject([
        { value: 1_800_000_000 },
      ]);
      // Tamper with an event as someone with SQL access would (the append-only trigger off first).
      await t.ctx.db.transaction(async (tx) => {
        await tx.execute(sql`alter table audit_events disable trigger user`);
        await tx.execute(sql`update audit_events set data = '{"tampered":true}'::jsonb where seq = 1`);
        await tx.execute(sql`alter table audit_events enable trigger user`);
      });
      await verifier.runNow();
      expect(await sample(registry, 'rustronaut_audit_verification_ok')).toMatchObject([{ value: 0 }]);
      expect(lines.find((l) => l['level'] === 50)).toMatchObject({
        msg: 'the audit log is broken: run `rustronaut audit verify` for the list (docs/audit.md)',
        first: expect.stringContaining('changed') as unknown,
      });
    } finally {
      await verifier.stop();
    }
  });
});

describe('admin.opsListen', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await makeTempDir('rustronaut-admin-ops-');
  });
  afterAll(() => tmp.remove());

  it('serves /healthz, /readyz and the admin metrics on their own listener', async () => {
    const config = loadConfig({
      env: {
        RUSTRONAUT_DATA_DIR: join(tmp.path, 'data'),
        RUSTRONAUT_ADMIN_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_ADMIN_OPS_LISTEN: '127.0.0.1:0',
      },
    });
    const admin = await startAdmin({ config, logger: createLogger({ level: 'silent', format: 'json' }), version: '0' });
    try {
      expect(admin.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${String(admin.opsUrl)}/healthz`)).status).toBe(200);
      expect((await fetch(`${String(admin.opsUrl)}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${String(admin.opsUrl)}/metrics`)).text();
      expect(metrics).toContain('# TYPE rustronaut_certificate_expiry_timestamp_seconds gauge');
      expect(metrics).toContain('# TYPE rustronaut_audit_verification_ok gauge');
      expect(metrics).toContain('rustronaut_build_info{version="0",role="admin"} 1');
      // The admin API itself does not serve metrics (the console's pages answer unknown paths there).
      expect(await (await fetch(`${admin.url}/metrics`)).text()).not.toContain('rustronaut_build_info');
    } finally {
      await admin.close();
    }
  }, 60_000);
});
