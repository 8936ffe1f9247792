import { z } from 'zod';
import { descriptionSchema, idSchema, nameSchema, timestampSchema } from './common.js';

/** `POST /api/v1/orgs/{orgId}/sites`. */
export const createSiteRequest = z
  .strictObject({
    name: nameSchema.describe('Name, unique in the organisation.'),
    description: descriptionSchema.default(''),
  })
  .describe('A site: a place whose private services a connector reaches.');
/** Body of a site creation. */
export type CreateSiteRequest = z.output<typeof createSiteRequest>;

/** `PATCH /api/v1/orgs/{orgId}/sites/{siteId}`. */
export const updateSiteRequest = z
  .strictObject({ name: nameSchema.optional(), description: descriptionSchema.optional() })
  .describe('Changes to a site.');
/** Body of a site update. */
export type UpdateSiteRequest = z.output<typeof updateSiteRequest>;

/** A WireGuard public key: 32 bytes in base64 (44 characters ending in `=`, as `wg pubkey` prints). */
export const wireguardKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, 'expected a WireGuard key (44 characters of base64)')
  .describe('WireGuard public key (base64, as `wg pubkey` prints it).');

/** Why a site is offline, in order of what to fix first. */
export const siteOfflineReason = z
  .enum(['not_enrolled', 'connector_not_seen', 'no_handshake', 'handshake_stale'])
  .describe(
    '`not_enrolled`: no connector has used the enrolment token yet; `connector_not_seen`: the connector has not reached the admin for 90 s; `no_handshake`: the hub reports no WireGuard handshake with the site; `handshake_stale`: the last handshake is older than 3 minutes (WireGuard renews every 2).',
  );
/** A reason a site is offline. */
export type SiteOfflineReason = z.infer<typeof siteOfflineReason>;

/** A site as the API shows it. */
export const siteView = z
  .object({
    id: idSchema,
    orgId: idSchema,
    name: z.string(),
    description: z.string(),
    online: z.boolean().describe('The connector was seen in the last 90 seconds and the tunnel is up.'),
    offlineReason: siteOfflineReason.nullable().describe('Why the site is offline; null when online.'),
    enrolled: z.boolean().describe('A connector has enrolled with the site token.'),
    enrolTokenExpiresAt: timestampSchema.nullable().describe('Expiry of the unused enrolment token, if there is one.'),
    lastSeenAt: timestampSchema.nullable().describe("The connector's last heartbeat."),
    lastHandshakeAt: timestampSchema
      .nullable()
      .describe("Last WireGuard handshake between the hub and the site's connector, as the hub reported it."),
    rxBytes: z.number().int().nullable().describe('Bytes the hub received from the site (its counter).'),
    txBytes: z.number().int().nullable().describe('Bytes the hub sent to the site (its counter).'),
    agentVersion: z.string().nullable().describe("The connector's software version."),
    tunnelAddress: z
      .string()
      .nullable()
      .describe('Tunnel address of the connector (allocated when the site is created; null for older sites).'),
    publicKey: z.string().nullable().describe("The connector's WireGuard public key, once enrolled."),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .describe('A site.');
/** A site in API answers. */
export type SiteView = z.infer<typeof siteView>;

/** A site with its one-time connector enrolment token: the answer to creating one or issuing a new token. */
export const siteTokenView = siteView
  .extend({
    enrolToken: z
      .string()
      .describe(
        'One-time connector enrolment token, valid 24 hours; shown only now (`rustronaut connector --token-file FILE`).',
      ),
  })
  .describe('A site and its new enrolment token (shown once).');
/** A site and its token. */
export type SiteTokenView = z.infer<typeof siteTokenView>;

const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:-]+$/, 'expected a host name or IP address')
  .describe('Host name or IP address as the site sees it (IPv6 without brackets).');
const portSchema = z
  .number()
  .int()
  .min(1, 'expected a port from 1 to 65535')
  .max(65_535, 'expected a port from 1 to 65535');

/** `POST /api/v1/orgs/{orgId}/site-targets`. */
export const createSiteTargetRequest = z
  .strictObject({
    siteId: idSchema.describe('The site whose connector forwards to the target.'),
    name: nameSchema.describe('Name, unique in the site.'),
    host: hostSchema,
    port: portSchema.describe('TCP port of the service at the site.'),
    tunnelPort: portSchema
      .optional()
      .describe(
        "Port the connector listens on at the site's tunnel address, unique in the site; default `port`, or the lowest free port from 20000 when another target of the site listens on `port`.",
      ),
  })
  .describe('A private service at a site that the connector forwards to.');
/** Body of a site target creation. */
export type CreateSiteTargetRequest = z.output<typeof createSiteTargetRequest>;

/** A site target as the API shows it. */
export const siteTargetView = z
  .object({
    id: idSchema,
    siteId: idSchema,
    name: z.string(),
    host: z.string(),
    port: z.number().int(),
    tunnelPort: z.number().int(),
    upstream: z
      .string()
      .nullable()
      .describe(
        'Where gateways reach the target: `<site tunnel address>:<tunnelPort>`. A resource of the site whose target is `host:port` is routed here.',
      ),
    health: z
      .enum(['up', 'down', 'unknown'])
      .describe('Whether the connector reached the target in its last check; `unknown` before its first report.'),
    createdAt: timestampSchema,
  })
  .describe('A site target.');
/** A site target in API answers. */
export type SiteTargetView = z.infer<typeof siteTargetView>;

/** Path parameters of one site target. */
export const siteTargetParams = z.strictObject({ orgId: idSchema, targetId: idSchema });

/** Path parameters of one site. */
export const siteParams = z.strictObject({ orgId: idSchema, siteId: idSchema });
