import { z } from 'zod';
import { idSchema, nameSchema, orgParams, timestampSchema } from './common.js';

/** `POST /api/v1/orgs/{orgId}/device-cas`: a CA that issues the org's device (client) certificates. */
export const createDeviceCaRequest = z
  .strictObject({
    name: nameSchema,
    certificatePem: z
      .string()
      .min(1)
      .max(16_384, 'at most 16384 characters')
      .describe(
        'One CA certificate (PEM, `-----BEGIN CERTIFICATE-----`), with the CA flag set and not expired. Only the certificate: its key stays with you.',
      ),
  })
  .describe('Trust a certificate authority for device certificates.');

/** Path parameters of one device CA. */
export const deviceCaParams = orgParams.extend({ deviceCaId: idSchema });

/** A device CA as the API shows it. */
export const deviceCaView = z.object({
  id: idSchema,
  name: z.string(),
  subject: z.string().describe('Subject of the CA certificate, e.g. `CN=Corp Devices`.'),
  fingerprint: z
    .string()
    .describe('SHA-256 of the certificate, 64 lowercase hex digits: what `device.caFingerprints` of a policy names.'),
  certificatePem: z.string(),
  notAfter: timestampSchema,
  createdAt: timestampSchema,
});

/** A device CA as the API shows it. */
export type DeviceCaView = z.infer<typeof deviceCaView>;
