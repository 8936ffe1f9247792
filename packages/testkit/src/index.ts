export { createPostgresTestDatabase, requirePostgres, testPostgresUrl, type PostgresTestDatabase } from './postgres.js';
export { makeTempDir, type TempDir } from './temp-dir.js';
