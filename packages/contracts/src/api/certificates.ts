import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';

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
    failures: z.number().int().describe('Failed ACME attempts in a row.'),
    lastError: z.string().nullable().describe("Why the last ACME attempt failed, in the CA's words when it answered."),
    lastAttemptAt: timestampSchema.nullable(),
    nextAttemptAt: timestampSchema.nullable().describe('No ACME attempt before this time (backoff after failures).'),
  })
  .describe('The certificate of a resource host. Private keys are never shown.');
/** A host's certificate state in API answers. */
export type CertificateStatusView = z.infer<typeof certificateStatusView>;
