import { join } from 'node:path';
import type { Database } from './database.js';
import { openPglite } from './pglite/driver.js';
import { openPostgres } from './postgres/driver.js';

/** Options of {@link openDatabase}, straight from the static config. */
export interface OpenDatabaseOptions {
  /** PostgreSQL URL (`DATABASE_URL`); when unset or empty the embedded PGlite is used. */
  readonly databaseUrl?: string | undefined;
  /** The data directory; PGlite keeps its files in `<dataDir>/pglite`. */
  readonly dataDir: string;
}

/**
 * Opens the database the configuration asks for: PostgreSQL when `databaseUrl` is set, otherwise PGlite in
 * `<dataDir>/pglite`. Rejects with `ERR_DB_UNAVAILABLE` when it cannot be reached. Does not migrate: call
 * `migrate()` on the result.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    return openPostgres({ url: options.databaseUrl });
  }
  return openPglite({ dataDir: join(options.dataDir, 'pglite') });
}
