import type { DrizzleDatabase } from '@rustronaut/db';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';

/** A table whose rows belong to one organisation each, with a UUIDv7 `id` (so id order is creation order). */
export type OrgTable = PgTable & { readonly id: AnyPgColumn; readonly orgId: AnyPgColumn };

/** The row `id` of `table`, only when it belongs to `orgId`: an id of another org finds nothing, as an unknown one. */
export function ofOrg(table: OrgTable, orgId: string, id: string): SQL {
  return and(eq(table.orgId, orgId), eq(table.id, id)) as SQL;
}

/** One row of the org; `notFound()` is thrown when it does not exist or belongs to another org. */
export async function oneOfOrg<T extends OrgTable>(
  db: DrizzleDatabase,
  table: T,
  orgId: string,
  id: string,
  notFound: () => Error,
): Promise<T['$inferSelect']> {
  const from: PgTable = table;
  const [row] = await db
    .select()
    .from(from)
    .where(ofOrg(table, orgId, id));
  if (row === undefined) throw notFound();
  return row;
}

/** A page of the org's rows in id order, after `after`; `limit + 1` rows, for `pageOf`. */
export function pageOfOrg<T extends OrgTable>(
  db: DrizzleDatabase,
  table: T,
  orgId: string,
  after: string | undefined,
  limit: number,
): Promise<Array<T['$inferSelect']>> {
  const from: PgTable = table;
  return db
    .select()
    .from(from)
    .where(and(eq(table.orgId, orgId), after === undefined ? undefined : gt(table.id, after)))
    .orderBy(asc(table.id))
    .limit(limit + 1);
}
