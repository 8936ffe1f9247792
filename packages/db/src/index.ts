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
export { newId } from './new-id.js';
export {
  accessCodes,
  acmeHosts,
  apiKeys,
  auditChains,
  auditEvents,
  authFailures,
  certificates,
  configVersions,
  deviceCas,
  devices,
  dnsProviders,
  gateways,
  identityProviders,
  memberships,
  orgAccessKeys,
  organizations,
  policies,
  refreshTokens,
  resources,
  roles,
  sessions,
  settings,
  signingKeys,
  siteTargets,
  sites,
  tunnelAddresses,
  users,
} from './schema.js';
export { getSetting, insertSetting, setSetting } from './settings-repository.js';
export { schemaTables, type SchemaTable } from './schema-tables.js';
export { readSchemaVersion, type SchemaVersion } from './schema-version.js';
