import { errors } from '@rustronaut/errors';
import { sql } from 'drizzle-orm';
import type { Database, DatabaseDriver, DrizzleDatabase } from './database.js';
import { databaseUnavailable } from './database-unavailable.js';
import { mapDbError } from './map-db-error.js';

/** What a driver supplies to build its {@link Database}. */
export interface DriverParts {
  readonly driver: DatabaseDriver;
  readonly db: DrizzleDatabase;
  /** Human name of the database for messages, with secrets already masked. */
  readonly target: string;
  /** Strings to scrub from driver messages (e.g. the URL's password). */
  readonly secrets?: readonly string[];
  /** Runs the driver's Drizzle migrator on the shipped migrations. */
  migrate(): Promise<unknown>;
  /** Closes the underlying client; called at most once. */
  closeClient(): Promise<void>;
}

/** The behaviour every driver shares: error mapping for migrate and ping, and an idempotent close. */
export function createDatabaseHandle(parts: DriverParts): Database {
  let closing: Promise<void> | undefined;
  return {
    driver: parts.driver,
    db: parts.db,
    async migrate() {
      try {
        await parts.migrate();
      } catch (err) {
        throw mapDbError(err);
      }
    },
    async ping() {
      if (closing !== undefined) throw errors.dbUnavailable.create(`${parts.target} is closed`);
      try {
        await parts.db.execute(sql`select 1`);
      } catch (err) {
        throw databaseUnavailable(parts.target, err, parts.secrets);
      }
    },
    close() {
      // Keep the first promise: a second call waits for the same shutdown instead of failing
      // ("PGlite is closed", or pool.end() called twice).
      closing ??= parts.closeClient();
      return closing;
    },
  };
}
