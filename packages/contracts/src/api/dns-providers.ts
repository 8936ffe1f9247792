import { z } from 'zod';
import { idSchema, orgParams, timestampSchema } from './common.js';
import { hostNameSchema } from './resources.js';

/** Settings of an `rfc2136` provider: a DNS server that takes dynamic updates (RFC 2136) signed with TSIG. */
export const rfc2136Settings = z
  .strictObject({
    server: z
      .string()
      .max(253)
      .regex(/^[A-Za-z0-9.-]+$|^[0-9A-Fa-f:]+$/, 'expected a host name or an IP address')
      .describe('The primary server of the zone (host name or IP address); updates go to it over TCP.'),
    port: z.number().int().min(1).max(65_535).default(53).describe('Its DNS port.'),
    zone: hostNameSchema.optional().describe('The zone to update (the SOA owner); default: the provider’s domain.'),
    keyName: z
      .string()
      .max(255)
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/, 'expected a key name such as acme-update.')
      .describe('Name of the TSIG key, as in the server’s `key "<name>" { ... }`.'),
    algorithm: z.literal('hmac-sha256').default('hmac-sha256').describe('TSIG algorithm (RFC 8945).'),
  })
  .describe('RFC 2136 dynamic updates signed with TSIG.');

const base = {
  domain: hostNameSchema.describe(
    'Names the provider publishes challenges for: this domain and every name below it use DNS-01 through it.',
  ),
  wildcard: z
    .boolean()
    .default(false)
    .describe('Obtain one certificate `*.<domain>` for the resource hosts one label below the domain.'),
};

/** `POST /api/v1/orgs/{orgId}/dns-providers`: a DNS provider for ACME DNS-01 challenges. */
export const createDnsProviderRequest = z
  .discriminatedUnion('type', [
    z.strictObject({
      ...base,
      type: z.literal('rfc2136').describe('Provider type.'),
      settings: rfc2136Settings,
      secret: z
        .string()
        .regex(/^[A-Za-z0-9+/]{22,}={0,2}$/, 'expected the TSIG secret in base64 (at least 16 bytes)')
        .max(1024)
        .describe('The TSIG key’s secret, base64 as BIND writes it; stored encrypted, never shown again.'),
    }),
  ])
  .describe('A DNS provider for DNS-01 challenges.');

/** Path parameters of one DNS provider. */
export const dnsProviderParams = orgParams.extend({ dnsProviderId: idSchema });

/** A DNS provider as the API shows it: never its secret. */
export const dnsProviderView = z
  .object({
    id: idSchema,
    orgId: idSchema,
    domain: z.string(),
    wildcard: z.boolean(),
    type: z.enum(['rfc2136']),
    settings: z.record(z.string(), z.unknown()).describe('The type’s settings, without the secret.'),
    createdAt: timestampSchema,
  })
  .describe('A DNS provider; the secret is never shown.');
/** A DNS provider in API answers. */
export type DnsProviderView = z.infer<typeof dnsProviderView>;
