import type { DeviceCaView } from '@rustronaut/contracts';
import { deviceCas, newId } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { X509Certificate } from 'node:crypto';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { changeConfig } from '../config-change.js';
import type { Caller } from '../members/caller.js';
import { oneOfOrg, ofOrg } from '../org-rows.js';

type DeviceCaRow = typeof deviceCas.$inferSelect;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

const invalid = (message: string) =>
  errors.validation.create(`certificatePem: ${message}`, {
    details: { errors: [{ field: 'body.certificatePem', message }] },
  });

/**
 * The one CA certificate of `pem`, parsed: exactly one PEM certificate, with the CA flag, valid now. Anything
 * else is a 400 naming the field, so a leaf, a bundle or an expired CA is never trusted by mistake.
 */
function parseCa(pem: string, now: Date): X509Certificate {
  if (/PRIVATE KEY-----/.test(pem)) throw invalid('send only the CA certificate, never its private key');
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length !== 1) throw invalid(`expected one PEM certificate, found ${String(blocks.length)}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0] ?? '');
  } catch {
    throw invalid('the certificate cannot be parsed');
  }
  if (!cert.ca) throw invalid('this is not a CA certificate (basicConstraints CA:TRUE is missing)');
  if (Date.parse(cert.validTo) <= now.getTime()) throw invalid(`the CA expired on ${cert.validTo}`);
  return cert;
}

/** SHA-256 of a certificate as policies name it: 64 lowercase hex digits. */
const fingerprintOf = (cert: X509Certificate) => cert.fingerprint256.replaceAll(':', '').toLowerCase();

/** A device CA as the API shows it. */
export function deviceCaView(row: DeviceCaRow): DeviceCaView {
  return {
    id: row.id,
    name: row.name,
    subject: new X509Certificate(row.certificatePem).subject.replaceAll('\n', ', '),
    fingerprint: row.fingerprint,
    certificatePem: row.certificatePem,
    notAfter: row.notAfter.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}

/** Trusts a CA for the org's device certificates; gateways get it with the next config version. */
export async function createDeviceCa(
  ctx: AdminContext,
  caller: Caller,
  input: { name: string; certificatePem: string },
): Promise<DeviceCaRow> {
  const cert = parseCa(input.certificatePem, ctx.now());
  const id = newId();
  return changeConfig(ctx, caller.orgId, async (tx) => {
    const [row] = await tx
      .insert(deviceCas)
      .values({
        id,
        orgId: caller.orgId,
        name: input.name,
        certificatePem: cert.toString(),
        fingerprint: fingerprintOf(cert),
        notAfter: new Date(cert.validTo),
        createdAt: ctx.now(),
      })
      .returning();
    if (row === undefined) throw new Error('the device CA was not stored');
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'device_ca.create',
      targetType: 'device_ca',
      targetId: id,
      ip: caller.ip,
      data: { name: input.name, fingerprint: row.fingerprint },
    });
    return row;
  });
}

/** Stops trusting a CA; 404 when the org has no such CA. */
export async function deleteDeviceCa(ctx: AdminContext, caller: Caller, id: string): Promise<void> {
  await changeConfig(ctx, caller.orgId, async (tx) => {
    const row = await oneOfOrg(tx, deviceCas, caller.orgId, id, () => errors.notFound.create('no such device CA'));
    await tx.delete(deviceCas).where(ofOrg(deviceCas, caller.orgId, id));
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'device_ca.delete',
      targetType: 'device_ca',
      targetId: id,
      ip: caller.ip,
      data: { name: row.name, fingerprint: row.fingerprint },
    });
  });
}
