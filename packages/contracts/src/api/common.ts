import { z } from 'zod';

/** An object id (UUIDv7). */
export const idSchema = z.uuid({ error: 'expected an id (UUID)' }).describe('Object id (UUID).');

/** A display name: 1 to 100 characters, no control characters. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'at most 100 characters')
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** A free-text description: up to 1000 characters. */
export const descriptionSchema = z.string().max(1000, 'at most 1000 characters');

/** An email address, lower-cased. */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .pipe(z.email({ error: 'expected an email address' }));

/** A timestamp as an ISO 8601 string in responses. */
export const timestampSchema = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp.');

/** Path parameters of an org-scoped collection. */
export const orgParams = z.strictObject({ orgId: idSchema });
