import { certificates, type DrizzleDatabase } from '@rustronaut/db';
import type { Logger, Registry } from '@rustronaut/observability';
import { Gauge } from 'prom-client';

/**
 * The admin's metric families (names are part of the monitoring contract: deploy/monitoring uses them). Values
 * that live in the database are read when Prometheus scrapes, so every admin replica reports the same.
 */
export function createAdminMetrics(registry: Registry, db: DrizzleDatabase, logger: Logger) {
  const registers = [registry];
  return {
    certificateExpiry: new Gauge({
      name: 'rustronaut_certificate_expiry_timestamp_seconds',
      help: 'Unix time at which a TLS certificate held by the admin expires (its notAfter), by certificate, organisation and source (upload, acme, or builtin: the built-in CA fallback).',
      labelNames: ['certificate_id', 'org_id', 'source'] as const,
      registers,
      async collect() {
        this.reset();
        try {
          const rows = await db
            .select({
              id: certificates.id,
              orgId: certificates.orgId,
              source: certificates.source,
              notAfter: certificates.notAfter,
            })
            .from(certificates);
          for (const row of rows) {
            this.set({ certificate_id: row.id, org_id: row.orgId, source: row.source }, row.notAfter.getTime() / 1000);
          }
        } catch (err) {
          // The rest of the metrics are still worth serving; readiness reports the database itself.
          logger.warn({ err }, 'metrics: cannot read the certificates');
        }
      },
    }),
    auditVerificationOk: new Gauge({
      name: 'rustronaut_audit_verification_ok',
      help: '1 when the last background verification found every audit hash chain intact, 0 when it found a changed, missing or reordered event. Absent until the first verification.',
      registers,
    }),
    auditVerificationTime: new Gauge({
      name: 'rustronaut_audit_verification_timestamp_seconds',
      help: 'Unix time at which the last background verification of the audit hash chains finished.',
      registers,
    }),
  };
}

/** The admin's metric families. */
export type AdminMetrics = ReturnType<typeof createAdminMetrics>;
