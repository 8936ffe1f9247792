import { z } from 'zod';
import { idSchema, orgParams, timestampSchema } from './common.js';

/** The certificate state of one resource host, as `GET /api/v1/orgs/{orgId}/certificates` shows it. */
export const certificateStatusView = z
  .object({
    id: idSchema,
    host: z.string().describe('Host name of one or more HTTP resources.'),
    status: z
      .enum(['pending', 'valid', 'failed', 'uploaded'])
      .describe(
        "`pending`: no ACME certificate yet (the built-in CA's is served); `valid`: ACME issued one; `failed`: the last ACME attempt failed (what was served before still is); `uploaded`: an uploaded certificate serves the host and ACME leaves it alone.",
      ),
    serving: z
      .enum(['upload', 'acme', 'builtin'])
      .nullable()
      .describe('Which certificate gateways serve for the host now; `builtin` is from the built-in CA.'),
    notAfter: timestampSchema.nullable().describe('Expiry of the served certificate.'),
    renewAt: timestampSchema
      .nullable()
      .describe('When the ACME certificate is due for renewal (two thirds of its life).'),
    acme: z.boolean().describe('Whether ACME manages the host (configured, and no resource on the host opts out).'),
    challenge: z
      .enum(['http-01', 'tls-alpn-01', 'dns-01'])
      .nullable()
      .describe('How the CA validates the host: `dns-01` when a DNS provider of the org covers it; null without ACME.'),
    coveredBy: z
      .string()
      .nullable()
      .describe('The wildcard (`*.example.com`) whose certificate serves the host, when its DNS provider orders one.'),
    failures: z.number().int().describe('Failed ACME attempts in a row.'),
    lastError: z.string().nullable().describe("Why the last ACME attempt failed, in the CA's words when it answered."),
    lastAttemptAt: timestampSchema.nullable(),
    nextAttemptAt: timestampSchema.nullable().describe('No ACME attempt before this time (backoff after failures).'),
  })
  .describe('The certificate of a resource host. Private keys are never shown.');
/** A host's certificate state in API answers. */
export type CertificateStatusView = z.infer<typeof certificateStatusView>;

const MAX_PEM = 64 * 1024;

/** `POST /api/v1/orgs/{orgId}/uploaded-certificates`: a certificate chain and its key, served for the names it holds. */
export const uploadCertificateRequest = z
  .strictObject({
    certPem: z
      .string()
      .max(MAX_PEM)
      .describe('PEM: the leaf certificate first, then its intermediates. It is served for the DNS names of the leaf.'),
    keyPem: z
      .string()
      .max(MAX_PEM)
      .describe('PEM private key of the leaf (PKCS#8, PKCS#1 or SEC1); stored encrypted, never shown again.'),
  })
  .describe('A certificate uploaded by hand: gateways serve it for its names, and ACME never replaces it.');

/** Path parameters of one uploaded certificate. */
export const uploadedCertificateParams = orgParams.extend({ certificateId: idSchema });

/** An uploaded certificate as the API shows it: never its key. */
export const uploadedCertificateView = z
  .object({
    id: idSchema,
    hosts: z.array(z.string()).describe('DNS names of the leaf it is served for (`*.example.com` for a wildcard).'),
    subject: z.string(),
    issuer: z.string(),
    serialNumber: z.string().describe('Serial number of the leaf, hex.'),
    fingerprint256: z.string().describe('SHA-256 fingerprint of the leaf.'),
    notBefore: timestampSchema,
    notAfter: timestampSchema,
    createdAt: timestampSchema,
  })
  .describe('An uploaded certificate. The private key is never shown.');
/** An uploaded certificate in API answers. */
export type UploadedCertificateView = z.infer<typeof uploadedCertificateView>;
