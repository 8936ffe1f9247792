import type { GatewayView } from '@rustronaut/contracts';
import { gateways, newId } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, eq, gt } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { controlCa } from '../../control/control-ca.js';
import { iso, isoOrNull } from '../../http/views.js';
import type { ChangeSource } from '../change-source.js';
import { hashEnrolToken, mintEnrolToken } from './enrol-token.js';
import { ofOrg, oneOfOrg, pageOfOrg } from '../org-rows.js';

type GatewayRow = typeof gateways.$inferSelect;

/** A gateway and its new one-time token (shown once). */
export interface GatewayWithToken {
  readonly gateway: GatewayView;
  readonly enrolToken: string;
  readonly enrolTokenExpiresAt: string;
}

/** A gateway row as the API shows it: never the token hash or the certificate fingerprint. */
export function gatewayViewOf(row: GatewayRow): GatewayView {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    kind: row.kind === 'hub' ? 'hub' : 'gateway',
    wgPublicKey: row.wgPublicKey,
    wgEndpoint: row.wgEndpoint,
    enrolled: row.certFingerprint !== null,
    enrolledAt: isoOrNull(row.enrolledAt),
    enrolTokenExpiresAt: row.enrolTokenHash === null ? null : isoOrNull(row.enrolTokenExpiresAt),
    certSerial: row.certSerial,
    certExpiresAt: isoOrNull(row.certExpiresAt),
    lastSeenAt: isoOrNull(row.lastSeenAt),
    agentVersion: row.agentVersion,
    configVersion: row.configVersion,
    status: row.status,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const notFound = () => errors.notFound.create('no such gateway');

/** A page of an org's gateways in id order, after `after`; `limit + 1` rows, for `pageOf`. */
export function listGateways(ctx: AdminContext, orgId: string, after: string | undefined, limit: number) {
  return pageOfOrg(ctx.db, gateways, orgId, after, limit);
}

/** One gateway of the org; 404 when it does not exist or belongs to another org. */
export function getGateway(ctx: AdminContext, orgId: string, gatewayId: string): Promise<GatewayRow> {
  return oneOfOrg(ctx.db, gateways, orgId, gatewayId, notFound);
}

/** Creates a gateway (or a tunnel hub, `kind: 'hub'`) with a one-time enrolment token. */
export async function createGateway(
  ctx: AdminContext,
  orgId: string,
  name: string,
  source: ChangeSource,
  kind: 'gateway' | 'hub' = 'gateway',
): Promise<GatewayWithToken> {
  const now = ctx.now();
  const minted = mintEnrolToken(now);
  const row = await ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(gateways)
      .values({
        id: newId(),
        orgId,
        name,
        kind,
        enrolTokenHash: minted.hash,
        enrolTokenExpiresAt: minted.expiresAt,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (created === undefined) throw new Error('insert returned no row');
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'gateway.create',
      targetType: 'gateway',
      targetId: created.id,
      ip: source.ip,
      data: { name, kind, enrolTokenExpiresAt: minted.expiresAt.toISOString() },
    });
    return created;
  });
  return withToken(row, minted.token);
}

/** Replaces the gateway's enrolment token with a new one; the old one no longer works. */
export async function issueEnrolToken(
  ctx: AdminContext,
  orgId: string,
  gatewayId: string,
  source: ChangeSource,
): Promise<GatewayWithToken> {
  const now = ctx.now();
  const minted = mintEnrolToken(now);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(gateways)
      .set({ enrolTokenHash: minted.hash, enrolTokenExpiresAt: minted.expiresAt, updatedAt: now })
      .where(ofOrg(gateways, orgId, gatewayId))
      .returning();
    if (updated === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'gateway.token.create',
      targetType: 'gateway',
      targetId: gatewayId,
      ip: source.ip,
      data: { enrolTokenExpiresAt: minted.expiresAt.toISOString() },
    });
    return updated;
  });
  return withToken(row, minted.token);
}

/** Deletes a gateway: its certificate stops working at once, and its open push stream ends. */
export async function deleteGateway(
  ctx: AdminContext,
  orgId: string,
  gatewayId: string,
  source: ChangeSource,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx
      .delete(gateways)
      .where(ofOrg(gateways, orgId, gatewayId))
      .returning({ name: gateways.name });
    if (deleted === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'gateway.delete',
      targetType: 'gateway',
      targetId: gatewayId,
      ip: source.ip,
      data: { name: deleted.name },
    });
  });
  // Push streams re-check their agent on every notification.
  ctx.changes.notify(orgId);
}

/** What a successful enrolment returns (the control URL is added by the route). */
export interface Enrolment {
  readonly gatewayId: string;
  readonly orgId: string;
  readonly certificate: string;
  readonly caCertificate: string;
}

/**
 * Trades a one-time token and a CSR for a client certificate. The token is claimed and the certificate recorded
 * in one transaction: a token works once, and not after its hour; a certificate issued before (an earlier
 * enrolment) stops working, since the gateway's fingerprint is replaced.
 */
export async function enrolGateway(ctx: AdminContext, token: string, csr: string, ip: string): Promise<Enrolment> {
  const ca = await controlCa(ctx);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(gateways)
      .set({ enrolTokenHash: null, enrolTokenExpiresAt: null, updatedAt: now })
      .where(and(eq(gateways.enrolTokenHash, hashEnrolToken(token)), gt(gateways.enrolTokenExpiresAt, now)))
      .returning({ id: gateways.id, orgId: gateways.orgId });
    if (claimed === undefined) throw errors.enrolInvalid.create('the enrolment token is unknown, used or expired');
    const issued = await ca.issueClientCertificate(csr, claimed.id, now);
    await tx
      .update(gateways)
      .set({
        certFingerprint: issued.fingerprint,
        certSerial: issued.serial,
        certExpiresAt: issued.notAfter,
        enrolledAt: now,
      })
      .where(eq(gateways.id, claimed.id));
    await recordAudit(tx, {
      orgId: claimed.orgId,
      actor: { type: 'agent', id: claimed.id },
      action: 'gateway.enrol',
      targetType: 'gateway',
      targetId: claimed.id,
      ip,
      data: { certSerial: issued.serial, certExpiresAt: issued.notAfter.toISOString() },
    });
    return { gatewayId: claimed.id, orgId: claimed.orgId, certificate: issued.certPem, caCertificate: ca.certPem };
  });
}

function withToken(row: GatewayRow, token: string): GatewayWithToken {
  return {
    gateway: gatewayViewOf(row),
    enrolToken: token,
    enrolTokenExpiresAt: (row.enrolTokenExpiresAt ?? new Date(0)).toISOString(),
  };
}
