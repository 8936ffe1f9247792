import { sql } from 'drizzle-orm';
import type { DrizzleDatabase } from './database.js';

/** Which migrations a database has applied: what decides whether a dump fits it. */
export interface SchemaVersion {
  /** Number of migrations applied. */
  readonly migrations: number;
  /** Hash drizzle recorded for the last one (SHA-256 of its SQL); empty when none is applied. */
  readonly lastHash: string;
}

/**
 * Reads the migrations applied to a database from Drizzle's journal table (`drizzle.__drizzle_migrations`, the
 * same for both drivers). Undefined when the database was never migrated.
 */
export async function readSchemaVersion(db: DrizzleDatabase): Promise<SchemaVersion | undefined> {
  const exists = await db.execute<{ present: boolean }>(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (exists.rows[0]?.present !== true) return undefined;
  const result = await db.execute<{ hash: string }>(
    sql`select hash from drizzle.__drizzle_migrations order by created_at, id`,
  );
  return { migrations: result.rows.length, lastHash: result.rows.at(-1)?.hash ?? '' };
}
