export type {
  Database,
  DatabaseDriver,
  DatabaseQueryResult,
  DatabaseQueryResultHKT,
  DrizzleDatabase,
} from './database.js';
export { openDatabase, type OpenDatabaseOptions } from './open-database.js';
export { openPglite, type PgliteOptions } from './pglite/driver.js';
export { openPostgres, type PostgresOptions } from './postgres/driver.js';
export { mapDbError } from './map-db-error.js';
export { redactDatabaseUrl } from './redact-database-url.js';
export { settings } from './schema.js';
export { getSetting, insertSetting, setSetting } from './settings-repository.js';
