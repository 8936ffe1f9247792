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

/** A site as the API shows it. */
export const siteView = z
  .object({
    id: idSchema,
    orgId: idSchema,
    name: z.string(),
    description: z.string(),
    online: z.boolean().describe('The connector was seen in the last 90 seconds.'),
    lastSeenAt: timestampSchema.nullable().describe("The connector's last heartbeat."),
    tunnelAddress: z.string().nullable().describe('Tunnel address of the connector, once enrolled.'),
    publicKey: z.string().nullable().describe("The connector's WireGuard public key, once enrolled."),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .describe('A site.');
/** A site in API answers. */
export type SiteView = z.infer<typeof siteView>;

/** Path parameters of one site. */
export const siteParams = z.strictObject({ orgId: idSchema, siteId: idSchema });
