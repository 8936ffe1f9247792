import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPostgresTestDatabase, requirePostgres, testPostgresUrl } from './postgres.js';

describe('testPostgresUrl', () => {
  it('prefers RUSTRONAUT_TEST_DATABASE_URL, then DATABASE_URL, ignoring empty values', () => {
    expect(testPostgresUrl({ RUSTRONAUT_TEST_DATABASE_URL: 'postgres://a/x', DATABASE_URL: 'postgres://b/x' })).toBe(
      'postgres://a/x',
    );
    expect(testPostgresUrl({ RUSTRONAUT_TEST_DATABASE_URL: ' ', DATABASE_URL: 'postgres://b/x' })).toBe(
      'postgres://b/x',
    );
    expect(testPostgresUrl({})).toBeUndefined();
  });
});

describe('requirePostgres', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('returns the configured URL', () => {
    expect(requirePostgres({ DATABASE_URL: 'postgres://b/x', CI: 'true' })).toBe('postgres://b/x');
  });

  it('throws under CI when no URL is configured: a missing prerequisite fails the run', () => {
    expect(() => requirePostgres({ CI: 'true' })).toThrow(/RUSTRONAUT_TEST_DATABASE_URL/);
  });

  it('locally returns undefined and warns on stderr once', async () => {
    // A fresh copy of the module: this file's own requirePostgres() call below may already have warned.
    vi.resetModules();
    const fresh = await import('./postgres.js');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(fresh.requirePostgres({})).toBeUndefined();
    expect(fresh.requirePostgres({ CI: 'false' })).toBeUndefined();
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0]?.[0])).toMatch(/WARNING: PostgreSQL tests SKIPPED/);
  });
});

const serverUrl = requirePostgres();

describe.skipIf(serverUrl === undefined)('createPostgresTestDatabase', () => {
  async function databaseExists(name: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const result = await client.query('select 1 from pg_database where datname = $1', [name]);
      return result.rowCount === 1;
    } finally {
      await client.end();
    }
  }

  it('creates a uniquely named, empty database that accepts connections, and drops it', async () => {
    const testDb = await createPostgresTestDatabase(serverUrl);
    try {
      expect(testDb.name).toMatch(/^rustronaut_test_[0-9a-f]{16}$/);
      expect(new URL(testDb.url).pathname).toBe(`/${testDb.name}`);
      const client = new pg.Client({ connectionString: testDb.url });
      await client.connect();
      try {
        const current = await client.query<{ db: string }>('select current_database() as db');
        expect(current.rows[0]?.db).toBe(testDb.name);
        const tables = await client.query("select 1 from pg_tables where schemaname = 'public'");
        expect(tables.rowCount).toBe(0);
      } finally {
        await client.end();
      }
      expect(await databaseExists(testDb.name)).toBe(true);
    } finally {
      await testDb.drop();
    }
    expect(await databaseExists(testDb.name)).toBe(false);
  });

  it('gives each call its own database', async () => {
    const [a, b] = await Promise.all([createPostgresTestDatabase(serverUrl), createPostgresTestDatabase(serverUrl)]);
    try {
      expect(a.name).not.toBe(b.name);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drops even while a connection is still open, and drop() is idempotent', async () => {
    const testDb = await createPostgresTestDatabase(serverUrl);
    const client = new pg.Client({ connectionString: testDb.url });
    client.on('error', () => {}); // the forced drop terminates this session
    await client.connect();
    try {
      await testDb.drop();
      await testDb.drop();
      expect(await databaseExists(testDb.name)).toBe(false);
    } finally {
      await client.end().catch(() => {});
    }
  });

  it('defaults to the configured server URL', async () => {
    await using testDb = await createPostgresTestDatabase();
    expect(await databaseExists(testDb.name)).toBe(true);
  });
});

describe('createPostgresTestDatabase without a server URL', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('throws, pointing at the variable to set', async () => {
    vi.stubEnv('RUSTRONAUT_TEST_DATABASE_URL', '');
    vi.stubEnv('DATABASE_URL', '');
    await expect(createPostgresTestDatabase()).rejects.toThrow(/RUSTRONAUT_TEST_DATABASE_URL/);
  });
});
