import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPostgresTestDatabase, requirePostgres } from '@rustronaut/testkit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DatabaseDriver } from './database.js';
import { migrationsFolder } from './migrations-folder.js';
import { openPglite } from './pglite/driver.js';
import { openPostgres } from './postgres/driver.js';
import { getSetting, insertSetting, setSetting } from './settings-repository.js';

// One suite, every driver: what the admin relies on must hold for PGlite and PostgreSQL alike.

interface Opened {
  readonly database: Database;
  /** Closes the database and removes whatever the driver case created for it. */
  cleanup(): Promise<void>;
}

interface DriverCase {
  readonly driver: DatabaseDriver;
  /** False when the prerequisite is missing locally (requirePostgres() warned); the tests are then skipped. */
  readonly available: boolean;
  readonly open: () => Promise<Opened>;
}

const postgresUrl = requirePostgres();

const drivers: DriverCase[] = [
  {
    driver: 'pglite',
    available: true,
    open: async () => {
      const database = await openPglite({});
      return { database, cleanup: () => database.close() };
    },
  },
  {
    driver: 'postgres',
    available: postgresUrl !== undefined,
    open: async () => {
      const testDb = await createPostgresTestDatabase(postgresUrl);
      try {
        const database = await openPostgres({ url: testDb.url });
        return {
          database,
          async cleanup() {
            await database.close();
            await testDb.drop();
          },
        };
      } catch (err) {
        await testDb.drop();
        throw err;
      }
    },
  },
];

const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
  entries: { tag: string; when: number }[];
};

for (const { driver, available, open } of drivers) {
  describe.skipIf(!available)(`database contract [${driver}]`, () => {
    let opened: Opened | undefined;
    let settingsTableBeforeMigrate: unknown;
    const database = (): Database => {
      if (opened === undefined) throw new Error('database not opened');
      return opened.database;
    };

    beforeAll(async () => {
      opened = await open();
      settingsTableBeforeMigrate = await settingsTable(opened.database);
      await opened.database.migrate();
    });

    afterAll(async () => {
      await opened?.cleanup();
    });

    it('reports its driver', () => {
      expect(database().driver).toBe(driver);
    });

    it('migrate creates the schema, records each journal entry once and is idempotent', async () => {
      expect(settingsTableBeforeMigrate).toBeNull();
      expect(await settingsTable(database())).toBe('settings');
      await database().migrate();
      await database().migrate();
      const applied = await database().db.execute<{ created_at: string | number }>(
        sql`select created_at from drizzle.__drizzle_migrations order by id`,
      );
      expect(applied.rows.map((row) => Number(row.created_at))).toEqual(journal.entries.map((entry) => entry.when));
      expect(journal.entries.length).toBeGreaterThan(0);
    });

    it('settings round-trip JSON values', async () => {
      const values: Record<string, unknown> = {
        'test.object': { id: 'a1', nested: { list: [1, 'two', false], empty: {} } },
        'test.string': 'hello "world"',
        'test.number': 42.5,
        'test.boolean': false,
        'test.array': [{ a: 1 }, 'x'],
      };
      for (const [key, value] of Object.entries(values)) await setSetting(database().db, key, value);
      for (const [key, value] of Object.entries(values)) expect(await getSetting(database().db, key)).toEqual(value);
      // Stored as real JSON, not as a JSON-encoded string (a classic driver mix-up).
      const types = await database().db.execute<{ key: string; type: string }>(
        sql`select key, jsonb_typeof(value) as type from settings where key like 'test.%' order by key`,
      );
      expect(Object.fromEntries(types.rows.map((row) => [row.key, row.type]))).toEqual({
        'test.array': 'array',
        'test.boolean': 'boolean',
        'test.number': 'number',
        'test.object': 'object',
        'test.string': 'string',
      });
    });

    it('getSetting returns undefined for a missing key', async () => {
      expect(await getSetting(database().db, 'missing.key')).toBeUndefined();
    });

    it('setSetting overwrites an existing value and stamps updated_at', async () => {
      await setSetting(database().db, 'upsert.key', { version: 1 });
      await database().db.execute(
        sql`update settings set updated_at = '2000-01-01T00:00:00Z' where key = 'upsert.key'`,
      );
      await setSetting(database().db, 'upsert.key', { version: 2 });
      expect(await getSetting(database().db, 'upsert.key')).toEqual({ version: 2 });
      const rows = await database().db.execute<{ count: string | number; updated: boolean }>(
        sql`select count(*) as count, bool_and(updated_at > '2000-01-02T00:00:00Z') as updated from settings where key = 'upsert.key'`,
      );
      expect(Number(rows.rows[0]?.count)).toBe(1);
      expect(rows.rows[0]?.updated).toBe(true);
    });

    it('insertSetting on an existing key rejects with ERR_DB_CONFLICT and keeps the first value', async () => {
      await insertSetting(database().db, 'instance.id', 'first');
      const err: unknown = await insertSetting(database().db, 'instance.id', 'second').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'ERR_DB_CONFLICT', status: 409, details: { constraint: 'settings_pkey' } });
      expect((err as Error).message).not.toContain('second');
      expect(await getSetting(database().db, 'instance.id')).toBe('first');
    });

    it('setSetting rejects values it cannot store, before touching the database', async () => {
      await expect(setSetting(database().db, 'bad.value', undefined)).rejects.toThrow(TypeError);
      await expect(setSetting(database().db, 'bad.value', null)).rejects.toThrow(TypeError);
      await expect(setSetting(database().db, '', 1)).rejects.toThrow(TypeError);
      expect(await getSetting(database().db, 'bad.value')).toBeUndefined();
    });

    it('a transaction that throws rolls back', async () => {
      const boom = new Error('boom');
      await expect(
        database().db.transaction(async (tx) => {
          await setSetting(tx, 'tx.key', 'inside');
          expect(await getSetting(tx, 'tx.key')).toBe('inside');
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await getSetting(database().db, 'tx.key')).toBeUndefined();
    });

    it('a transaction that returns commits', async () => {
      await database().db.transaction(async (tx) => {
        await setSetting(tx, 'tx.committed', 1);
      });
      expect(await getSetting(database().db, 'tx.committed')).toBe(1);
    });

    it('ping resolves on an open database', async () => {
      await expect(database().ping()).resolves.toBeUndefined();
    });

    // Keep last: it closes the shared database.
    it('close is idempotent, and afterwards ping and queries fail with ERR_DB_UNAVAILABLE', async () => {
      const closing = [database().close(), database().close()];
      await Promise.all(closing);
      await database().close();
      await expect(database().ping()).rejects.toMatchObject({ code: 'ERR_DB_UNAVAILABLE' });
      await expect(getSetting(database().db, 'instance.id')).rejects.toMatchObject({ code: 'ERR_DB_UNAVAILABLE' });
    });
  });
}

async function settingsTable(database: Database): Promise<unknown> {
  const result = await database.db.execute<{ name: unknown }>(sql`select to_regclass('public.settings')::text as name`);
  return result.rows[0]?.name ?? null;
}
