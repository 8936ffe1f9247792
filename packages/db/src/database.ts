import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

/**
 * What `db.execute(sql...)` resolves to, whatever the driver: node-postgres' `QueryResult` and PGlite's
 * `Results` differ, but both carry `rows`. Without this, the common type would make `execute` return `unknown`.
 */
export interface DatabaseQueryResultHKT extends PgQueryResultHKT {
  type: DatabaseQueryResult<this['row']>;
}

/** The part of a raw query result both drivers return. */
export interface DatabaseQueryResult<Row> {
  /** The rows, one object per row keyed by column name. */
  readonly rows: Row[];
}

/**
 * The Drizzle query builder, typed with the schema. Both drivers return one, and a transaction
 * (`db.transaction(async (tx) => ...)`) is one too, so repositories take this type and work inside
 * and outside transactions alike.
 */
export type DrizzleDatabase = PgDatabase<DatabaseQueryResultHKT, typeof schema>;

/** Which driver a {@link Database} runs on: embedded PGlite or a PostgreSQL server through node-postgres. */
export type DatabaseDriver = 'pglite' | 'postgres';

/**
 * An open database, the same shape for every driver (see `database.contract.test.ts`).
 * Close it on shutdown: an open PGlite keeps the process alive.
 */
export interface Database {
  /** The driver behind this database. */
  readonly driver: DatabaseDriver;
  /** Drizzle query builder for the schema. */
  readonly db: DrizzleDatabase;
  /**
   * Applies the SQL migrations shipped with this package that are not applied yet (recorded in
   * `drizzle.__drizzle_migrations`). Safe to run on every start.
   */
  migrate(): Promise<void>;
  /** Runs `select 1`; rejects with `ERR_DB_UNAVAILABLE` when the database cannot answer or is closed. */
  ping(): Promise<void>;
  /** Closes the connection pool or the embedded database. Idempotent. */
  close(): Promise<void>;
}
