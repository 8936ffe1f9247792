import { errors } from '@rustronaut/errors';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Database } from '../database.js';
import { createDatabaseHandle } from '../database-handle.js';
import { migrationsFolder } from '../migrations-folder.js';
import { databaseUrlSecrets, redactDatabaseUrl } from '../redact-database-url.js';
import * as schema from '../schema.js';

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** Connection URL, `postgres://user:password@host:5432/database`; the password never appears in errors. */
  readonly url: string;
  /** Most connections the pool opens at once; default 10. */
  readonly maxConnections?: number | undefined;
  /** How long to wait for a new connection before failing, in milliseconds; default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Called when an idle pooled connection breaks (server restart, network cut). The pool has already
   * discarded it and the next query opens a new one, so this is for logging; default: ignore.
   */
  readonly onIdleError?: ((err: Error) => void) | undefined;
}

/**
 * Opens a node-postgres pool on a PostgreSQL server and checks it with one `select 1`, so a wrong URL fails
 * at start, not on the first request. Rejects with `ERR_CONFIG_INVALID` for a URL that is not
 * `postgres://` or `postgresql://`, and `ERR_DB_UNAVAILABLE` when the server cannot be reached or refuses
 * the connection (unknown database, authentication); messages show the URL with its password masked.
 */
export async function openPostgres(options: PostgresOptions): Promise<Database> {
  if (!isPostgresUrl(options.url)) {
    throw errors.configInvalid.create('database URL must be a postgres:// or postgresql:// URL');
  }
  const maxConnections = options.maxConnections ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new TypeError(`openPostgres: maxConnections must be a positive integer, got ${String(maxConnections)}`);
  }
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
    throw new TypeError(`openPostgres: connectTimeoutMs must be a positive integer, got ${String(connectTimeoutMs)}`);
  }
  const target = `PostgreSQL at ${redactDatabaseUrl(options.url)}`;
  const secrets = databaseUrlSecrets(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: maxConnections,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // Without a listener, an idle client's error (e.g. the server terminating connections) crashes the process.
  const onIdleError = options.onIdleError;
  pool.on('error', (err) => onIdleError?.(err));
  const db = drizzle({ client: pool, schema });
  const database = createDatabaseHandle({
    driver: 'postgres',
    db,
    target,
    secrets,
    migrate: () => migrate(db, { migrationsFolder }),
    closeClient: () => pool.end(),
  });
  try {
    await database.ping();
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

function isPostgresUrl(url: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}
