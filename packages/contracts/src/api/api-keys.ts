import { z } from 'zod';
import { idSchema, nameSchema, orgParams, timestampSchema } from './common.js';
import { permissionListSchema } from './roles.js';

/**
 * `POST /api/v1/orgs/{orgId}/api-keys`: signed-in users only. The permissions must be ones the creator holds in the
 * organisation; the key never holds more than its creator still holds.
 */
export const createApiKeyRequest = z
  .strictObject({
    name: nameSchema,
    permissions: permissionListSchema,
    expiresAt: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 timestamp' })
      .optional()
      .describe('When the key stops working: in the future, at most one year ahead. Default: 90 days from now.'),
  })
  .describe('Create an API key; the answer carries the key, shown only this once.');

/** Path parameters of one API key. */
export const apiKeyParams = orgParams.extend({ apiKeyId: idSchema });

/** An API key as the API shows it: never the key or its hash. */
export const apiKeyView = z.object({
  id: idSchema,
  name: z.string(),
  prefix: z.string().describe('Public part of the key: it starts with `rsk_<prefix>_`.'),
  permissions: z.array(z.string()),
  createdBy: idSchema.nullable().describe('User who created the key; null once that account is deleted.'),
  createdAt: timestampSchema,
  expiresAt: timestampSchema.nullable(),
  lastUsedAt: timestampSchema.nullable().describe('Updated at most once a minute.'),
  revokedAt: timestampSchema.nullable(),
});

/** An API key as the API shows it. */
export type ApiKeyView = z.infer<typeof apiKeyView>;

/** The answer to creating a key: its view and the key itself, which no later request returns. */
export const apiKeyCreatedResponse = apiKeyView.extend({
  key: z.string().describe('The key (`rsk_...`), shown only now: store it; send it as `Authorization: Bearer <key>`.'),
});
