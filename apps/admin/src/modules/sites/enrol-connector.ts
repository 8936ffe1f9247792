import type { ConnectorEnrolRequest } from '@rustronaut/contracts';
import { devices, sites } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, eq, gt, ne } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { controlCa } from '../../control/control-ca.js';
import { bumpConfigVersion } from '../../control/config-changes.js';
import { hashEnrolToken } from '../gateways/enrol-token.js';

/** What a successful connector enrolment returns (the control URL is added by the route). */
export interface ConnectorEnrolment {
  readonly siteId: string;
  readonly orgId: string;
  readonly certificate: string;
  readonly caCertificate: string;
}

/**
 * Trades a site's one-time token, a CSR and the connector's WireGuard public key for a control-channel client
 * certificate. Token claim, certificate and key are recorded in one transaction that bumps the org's config
 * version, so the hub learns the new peer at once. A key another site or device uses is refused (409): the hub
 * tells peers apart by key.
 */
export async function enrolConnector(
  ctx: AdminContext,
  input: ConnectorEnrolRequest,
  ip: string,
): Promise<ConnectorEnrolment> {
  const ca = await controlCa(ctx);
  const now = ctx.now();
  const result = await ctx.db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(sites)
      .set({ enrolTokenHash: null, enrolTokenExpiresAt: null, updatedAt: now })
      .where(and(eq(sites.enrolTokenHash, hashEnrolToken(input.token)), gt(sites.enrolTokenExpiresAt, now)))
      .returning({ id: sites.id, orgId: sites.orgId });
    if (claimed === undefined) throw errors.enrolInvalid.create('the site token is unknown, used or expired');
    const [siteWithKey] = await tx
      .select({ id: sites.id })
      .from(sites)
      .where(and(eq(sites.publicKey, input.publicKey), ne(sites.id, claimed.id)));
    const [deviceWithKey] = await tx
      .select({ id: devices.id })
      .from(devices)
      .where(eq(devices.publicKey, input.publicKey));
    if (siteWithKey !== undefined || deviceWithKey !== undefined) {
      throw errors.conflict.create('this WireGuard public key belongs to another site or device: generate a new one');
    }
    const issued = await ca.issueClientCertificate(input.csr, claimed.id, now);
    await tx
      .update(sites)
      .set({
        certFingerprint: issued.fingerprint,
        publicKey: input.publicKey,
        enrolledAt: now,
        lastHandshakeAt: null,
        rxBytes: null,
        txBytes: null,
      })
      .where(eq(sites.id, claimed.id));
    await recordAudit(tx, {
      orgId: claimed.orgId,
      actor: { type: 'agent', id: claimed.id },
      action: 'site.enrol',
      targetType: 'site',
      targetId: claimed.id,
      ip,
      data: { publicKey: input.publicKey, certSerial: issued.serial },
    });
    await bumpConfigVersion(tx, claimed.orgId);
    return { siteId: claimed.id, orgId: claimed.orgId, certificate: issued.certPem, caCertificate: ca.certPem };
  });
  ctx.changes.notify(result.orgId);
  return result;
}
