import { z } from 'zod';
import { idSchema, nameSchema, timestampSchema } from './common.js';

const slugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens, 1 to 50 characters');

/** `POST /api/v1/orgs`: the caller becomes its owner. */
export const createOrgRequest = z.strictObject({ name: nameSchema, slug: slugSchema });

/** `PATCH /api/v1/orgs/{orgId}`. */
export const updateOrgRequest = z.strictObject({ name: nameSchema.optional(), slug: slugSchema.optional() });

/** An organisation as the API shows it, with the caller's roles in it. */
export const orgView = z.object({
  id: idSchema,
  name: z.string(),
  slug: z.string(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
