import { errors } from '@rustronaut/errors';
import { z } from 'zod';

/** Query string of every list endpoint: page size and the opaque cursor from the previous page. */
export const paginationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Items per page, 1 to 200 (default 50).'),
  cursor: z.string().max(200).optional().describe('`nextCursor` of the previous page; omit for the first page.'),
});

/** A page of a list: the items and the cursor of the next page (null on the last page). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null when this is the last.'),
  });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The id a cursor points after, or undefined for the first page. Lists are ordered by id (UUIDv7, so by creation
 * time); the cursor is the last id of the previous page, base64url-encoded so clients treat it as opaque.
 */
export function cursorId(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('latin1');
  if (!UUID.test(id)) {
    throw errors.validation.create('the cursor is not one this API returned', {
      details: { errors: [{ field: 'querystring.cursor', message: 'invalid cursor' }] },
    });
  }
  return id;
}

/** Builds a page from `limit + 1` rows fetched in id order: the extra row only says whether there is a next page. */
export function pageOf<T extends { id: string }, V>(
  rows: readonly T[],
  limit: number,
  view: (row: T) => V,
): { items: V[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(view),
    nextCursor: rows.length > limit && last !== undefined ? Buffer.from(last.id, 'latin1').toString('base64url') : null,
  };
}
