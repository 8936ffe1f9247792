import type { CertificateStatusView, UploadedCertificateView } from '@rustronaut/contracts';
import { acmeHosts, certificates, newId, resources } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, asc, eq, gt, like } from 'drizzle-orm';
import { X509Certificate } from 'node:crypto';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { certificateKeyContext } from '../../certificates/certificate-keys.js';
import { checkUpload } from '../../certificates/check-upload.js';
import { dnsProvidersOf, providerOf } from '../../certificates/dns/dns-provider.js';
import { covers, wildcardFor } from '../../certificates/host-names.js';
import { renewalDue } from '../../certificates/renewal.js';
import { bumpConfigVersion } from '../../control/config-changes.js';
import type { Caller } from '../members/caller.js';
import { pageOfOrg } from '../org-rows.js';

type HostRow = typeof acmeHosts.$inferSelect;
type CertRow = typeof certificates.$inferSelect;
type CertSummary = Pick<CertRow, 'id' | 'source' | 'hosts' | 'notBefore' | 'notAfter'>;

const summary = {
  id: certificates.id,
  source: certificates.source,
  hosts: certificates.hosts,
  notBefore: certificates.notBefore,
  notAfter: certificates.notAfter,
};

/** A page of the org's hosts with their certificate state, in id order after `after`; `limit + 1` rows. */
export async function listCertificateStatus(
  ctx: AdminContext,
  orgId: string,
  after: string | undefined,
  limit: number,
): Promise<Array<HostRow & { view: CertificateStatusView }>> {
  const [rows, wildcards, held, httpResources, providers] = await Promise.all([
    pageOfOrg(ctx.db, acmeHosts, orgId, after, limit),
    ctx.db
      .select()
      .from(acmeHosts)
      .where(and(eq(acmeHosts.orgId, orgId), like(acmeHosts.host, '*.%'))),
    ctx.db.select(summary).from(certificates).where(eq(certificates.orgId, orgId)),
    ctx.db
      .select({ host: resources.host, options: resources.options })
      .from(resources)
      .where(and(eq(resources.orgId, orgId), eq(resources.kind, 'http'))),
    dnsProvidersOf(ctx, orgId),
  ]);
  const byId = new Map(held.map((c) => [c.id, c]));
  const uploads = held.filter((c) => c.source === 'upload');
  const now = ctx.now();
  const noAcme = new Set(httpResources.filter((r) => r.options['acme'] === false).map((r) => r.host));
  const configured = ctx.config.acme.directoryUrl !== undefined;
  return rows.map((row) => {
    const acme = configured && !noAcme.has(row.host);
    const wildcard = wildcards.find((w) => w.host === wildcardFor(row.host));
    const challenge = !acme
      ? null
      : providerOf(providers, row.host) !== undefined
        ? 'dns-01'
        : ctx.config.acme.challenge;
    return { ...row, view: viewOf(row, acme ? wildcard : undefined, byId, uploads, now, acme, challenge) };
  });
}

/** A host's view; the ACME state is that of the wildcard row when a wildcard certificate covers the host. */
function viewOf(
  row: HostRow,
  wildcard: HostRow | undefined,
  byId: ReadonlyMap<string, CertSummary>,
  uploads: readonly CertSummary[],
  now: Date,
  acme: boolean,
  challenge: CertificateStatusView['challenge'],
): CertificateStatusView {
  const live = (c: CertSummary | undefined) => (c !== undefined && c.notAfter > now ? c : undefined);
  const of = (id: string | null) => (id === null ? undefined : byId.get(id));
  const state = wildcard ?? row;
  const upload = uploads.find((c) => covers(c.hosts, row.host) && c.notAfter > now);
  const issued = live(of(state.certificateId));
  const served = upload ?? issued ?? live(of(row.fallbackId));
  const iso = (d: Date | null | undefined) => (d === null || d === undefined ? null : d.toISOString());
  return {
    id: row.id,
    host: row.host,
    status: upload !== undefined ? 'uploaded' : (state.status as CertificateStatusView['status']),
    serving: (served?.source as CertificateStatusView['serving'] | undefined) ?? null,
    notAfter: iso(served?.notAfter),
    renewAt:
      issued?.notBefore === null || issued?.notBefore === undefined
        ? null
        : iso(renewalDue(issued.notBefore, issued.notAfter)),
    acme,
    challenge,
    coveredBy: wildcard?.host ?? null,
    failures: state.failures,
    lastError: state.lastError,
    lastAttemptAt: iso(state.lastAttemptAt),
    nextAttemptAt: iso(state.nextAttemptAt),
  };
}

/** An uploaded certificate as the API shows it: no key. */
export function uploadedView(row: CertRow): UploadedCertificateView {
  const leaf = new X509Certificate(row.certPem);
  return {
    id: row.id,
    hosts: row.hosts,
    subject: leaf.subject.replaceAll('\n', ', '),
    issuer: leaf.issuer.replaceAll('\n', ', '),
    serialNumber: leaf.serialNumber,
    fingerprint256: leaf.fingerprint256,
    notBefore: (row.notBefore ?? new Date(leaf.validFrom)).toISOString(),
    notAfter: row.notAfter.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A page of the org's uploaded certificates in id order after `after`; `limit + 1` rows. */
export function listUploaded(ctx: AdminContext, orgId: string, after: string | undefined, limit: number) {
  return ctx.db
    .select()
    .from(certificates)
    .where(
      and(
        eq(certificates.orgId, orgId),
        eq(certificates.source, 'upload'),
        after === undefined ? undefined : gt(certificates.id, after),
      ),
    )
    .orderBy(asc(certificates.id))
    .limit(limit + 1);
}

/**
 * Stores a certificate uploaded by hand, after {@link checkUpload}; its key is sealed to its row. Gateways serve it
 * for its names from the next snapshot on, before ACME's and the built-in CA's, and ACME leaves those names alone.
 */
export async function uploadCertificate(
  ctx: AdminContext,
  caller: Caller,
  input: { readonly certPem: string; readonly keyPem: string },
): Promise<CertRow> {
  const checked = checkUpload(input.certPem, input.keyPem, ctx.now());
  const id = newId();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(certificates)
      .values({
        id,
        orgId: caller.orgId,
        hosts: checked.hosts,
        source: 'upload',
        certPem: checked.certPem,
        keyEnc: ctx.secrets.seal(checked.keyPem, certificateKeyContext(id)),
        notBefore: checked.notBefore,
        notAfter: checked.notAfter,
      })
      .returning();
    if (inserted === undefined) throw new Error('the certificate was not stored');
    await bumpConfigVersion(tx, caller.orgId);
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'certificate.upload',
      targetType: 'certificate',
      targetId: id,
      ip: caller.ip,
      data: { hosts: checked.hosts, serial: checked.leaf.serialNumber, notAfter: checked.notAfter.toISOString() },
    });
    return inserted;
  });
  ctx.changes.notify(caller.orgId);
  return row;
}

/** Deletes an uploaded certificate; 404 for an unknown one, or one ACME or the built-in CA made. */
export async function deleteUploadedCertificate(ctx: AdminContext, caller: Caller, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(certificates)
      .where(and(eq(certificates.orgId, caller.orgId), eq(certificates.id, id), eq(certificates.source, 'upload')))
      .returning({ hosts: certificates.hosts });
    if (row === undefined) throw errors.notFound.create('no such uploaded certificate');
    await bumpConfigVersion(tx, caller.orgId);
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'certificate.delete',
      targetType: 'certificate',
      targetId: id,
      ip: caller.ip,
      data: { hosts: row.hosts },
    });
  });
  ctx.changes.notify(caller.orgId);
}
