import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createPostgresTestDatabase, makeTempDir, requirePostgres } from '@rustronaut/testkit';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';
import { getSetting, setSetting } from './settings-repository.js';

const postgresUrl = requirePostgres();

describe('openDatabase', () => {
  it('without databaseUrl keeps PGlite in <dataDir>/pglite, and a row survives close and reopen', async () => {
    await using dataDir = await makeTempDir('rustronaut-db-');
    const first = await openDatabase({ dataDir: dataDir.path });
    try {
      expect(first.driver).toBe('pglite');
      await first.migrate();
      await setSetting(first.db, 'instance.id', { id: 'persisted' });
    } finally {
      await first.close();
    }
    await access(join(dataDir.path, 'pglite', 'PG_VERSION'));

    const second = await openDatabase({ dataDir: dataDir.path, databaseUrl: '' });
    try {
      expect(second.driver).toBe('pglite');
      await second.migrate();
      expect(await getSetting(second.db, 'instance.id')).toEqual({ id: 'persisted' });
    } finally {
      await second.close();
    }
  });

  it('with an unreachable databaseUrl rejects with ERR_DB_UNAVAILABLE instead of falling back to PGlite', async () => {
    await using dataDir = await makeTempDir('rustronaut-db-');
    await expect(
      openDatabase({ dataDir: dataDir.path, databaseUrl: 'postgres://app:hunter2@127.0.0.1:1/app' }),
    ).rejects.toMatchObject({ code: 'ERR_DB_UNAVAILABLE' });
  });

  it.skipIf(postgresUrl === undefined)('with databaseUrl opens PostgreSQL', async () => {
    await using dataDir = await makeTempDir('rustronaut-db-');
    await using testDb = await createPostgresTestDatabase(postgresUrl);
    const database = await openDatabase({ dataDir: dataDir.path, databaseUrl: testDb.url });
    try {
      expect(database.driver).toBe('postgres');
      await database.ping();
    } finally {
      await database.close();
    }
  });
});
