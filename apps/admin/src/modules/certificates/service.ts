import type { CertificateStatusView } from '@rustronaut/contracts';
import { acmeHosts, certificates, resources } from '@rustronaut/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { AdminContext } from '../../context.js';
import { renewalDue } from '../../certificates/renewal.js';
import { pageOfOrg } from '../org-rows.js';

type HostRow = typeof acmeHosts.$inferSelect;
type CertRow = Pick<typeof certificates.$inferSelect, 'id' | 'source' | 'hosts' | 'notBefore' | 'notAfter'>;

/** A page of the org's hosts with their certificate state, in id order after `after`; `limit + 1` rows. */
export async function listCertificateStatus(
  ctx: AdminContext,
  orgId: string,
  after: string | undefined,
  limit: number,
): Promise<Array<HostRow & { view: CertificateStatusView }>> {
  const rows = await pageOfOrg(ctx.db, acmeHosts, orgId, after, limit);
  const ids = rows.flatMap((r) => [r.certificateId, r.fallbackId]).filter((id): id is string => id !== null);
  const columns = {
    id: certificates.id,
    source: certificates.source,
    hosts: certificates.hosts,
    notBefore: certificates.notBefore,
    notAfter: certificates.notAfter,
  };
  const [held, uploads, optedOut] = await Promise.all([
    ids.length === 0 ? [] : ctx.db.select(columns).from(certificates).where(inArray(certificates.id, ids)),
    ctx.db
      .select(columns)
      .from(certificates)
      .where(and(eq(certificates.orgId, orgId), eq(certificates.source, 'upload'))),
    ctx.db
      .select({ host: resources.host, options: resources.options })
      .from(resources)
      .where(and(eq(resources.orgId, orgId), eq(resources.kind, 'http'))),
  ]);
  const byId = new Map(held.map((c) => [c.id, c]));
  const now = ctx.now();
  const noAcme = new Set(optedOut.filter((r) => r.options['acme'] === false).map((r) => r.host));
  return rows.map((row) => ({
    ...row,
    view: viewOf(row, byId, uploads, now, ctx.config.acme.directoryUrl !== undefined && !noAcme.has(row.host)),
  }));
}

function viewOf(
  row: HostRow,
  byId: ReadonlyMap<string, CertRow>,
  uploads: readonly CertRow[],
  now: Date,
  acme: boolean,
): CertificateStatusView {
  const live = (c: CertRow | undefined) => (c !== undefined && c.notAfter > now ? c : undefined);
  const upload = uploads.find((c) => c.hosts.includes(row.host) && c.notAfter > now);
  const issued = live(row.certificateId === null ? undefined : byId.get(row.certificateId));
  const served = upload ?? issued ?? live(row.fallbackId === null ? undefined : byId.get(row.fallbackId));
  const iso = (d: Date | null | undefined) => (d === null || d === undefined ? null : d.toISOString());
  return {
    id: row.id,
    host: row.host,
    status: upload !== undefined ? 'uploaded' : (row.status as CertificateStatusView['status']),
    serving: (served?.source as CertificateStatusView['serving'] | undefined) ?? null,
    notAfter: iso(served?.notAfter),
    renewAt:
      issued?.notBefore === null || issued?.notBefore === undefined
        ? null
        : iso(renewalDue(issued.notBefore, issued.notAfter)),
    acme,
    failures: row.failures,
    lastError: row.lastError,
    lastAttemptAt: iso(row.lastAttemptAt),
    nextAttemptAt: iso(row.nextAttemptAt),
  };
}
