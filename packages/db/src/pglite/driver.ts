import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { errors } from '@rustronaut/errors';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Database } from '../database.js';
import { createDatabaseHandle } from '../database-handle.js';
import { databaseUnavailable } from '../database-unavailable.js';
import { migrationsFolder } from '../migrations-folder.js';
import { lockDir } from './dir-lock.js';
import * as schema from '../schema.js';

/** Options of {@link openPglite}. */
export interface PgliteOptions {
  /**
   * Directory PGlite keeps its files in; created (mode 0700) if missing. Undefined means an in-memory
   * database that is gone on close, which is what tests use. One process at a time may open a directory: a
   * lock file `<dataDir>.lock` holds its pid while it is open.
   */
  readonly dataDir?: string | undefined;
}

/**
 * Opens an embedded PGlite (PostgreSQL compiled to WASM) database. The first start on a new directory
 * takes several seconds and a few hundred MB; only the admin process may load it. Rejects with
 * `ERR_STARTUP_DATA_DIR` when the directory cannot be created and `ERR_DB_UNAVAILABLE` when PGlite
 * cannot start on it.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  if (options.dataDir === '') throw new TypeError('openPglite: dataDir must be a directory path or undefined');
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const target = dataDir === undefined ? 'PGlite (in memory)' : `PGlite in ${dataDir}`;
  if (dataDir !== undefined) {
    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw errors.startupDataDir.create(`cannot create the PGlite directory ${dataDir}: ${String(err)}`, {
        cause: err,
      });
    }
  }
  const lock = dataDir === undefined ? undefined : await lockDir(dataDir);
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir);
  } catch (err) {
    await lock?.release();
    throw databaseUnavailable(target, err);
  }
  const db = drizzle({ client, schema });
  return createDatabaseHandle({
    driver: 'pglite',
    db,
    target,
    migrate: () => migrate(db, { migrationsFolder }),
    closeClient: async () => {
      await client.close();
      await lock?.release();
    },
  });
}
