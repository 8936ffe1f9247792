import { createPostgresTestDatabase, requirePostgres } from '@rustronaut/testkit';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openPostgres } from './driver.js';

const postgresUrl = requirePostgres();

async function openError(url: string): Promise<{ code?: unknown; message: string }> {
  return openPostgres({ url, connectTimeoutMs: 5_000 }).then(
    async (database) => {
      await database.close();
      throw new Error('openPostgres unexpectedly succeeded');
    },
    (err: unknown) => err as { code?: unknown; message: string },
  );
}

describe('openPostgres', () => {
  it('rejects an unreachable server with ERR_DB_UNAVAILABLE and a message without the password', async () => {
    const err = await openError('postgres://app:hunter2-Secret@127.0.0.1:1/rustronaut');
    expect(err.code).toBe('ERR_DB_UNAVAILABLE');
    expect(err.message).toContain('postgres://app:***@127.0.0.1:1/rustronaut');
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects a URL that is not postgres:// with ERR_CONFIG_INVALID, without echoing it', async () => {
    const err = await openError('mysql://root:hunter2@localhost/db');
    expect(err.code).toBe('ERR_CONFIG_INVALID');
    expect(err.message).not.toContain('hunter2');
  });

  it('checks its options up front', async () => {
    await expect(openPostgres({ url: 'postgres://127.0.0.1:1/x', maxConnections: 0 })).rejects.toThrow(TypeError);
    await expect(openPostgres({ url: 'postgres://127.0.0.1:1/x', connectTimeoutMs: -1 })).rejects.toThrow(TypeError);
  });

  describe.skipIf(postgresUrl === undefined)('on a PostgreSQL server', () => {
    it('rejects an unknown database with ERR_DB_UNAVAILABLE naming it, password masked', async () => {
      const url = new URL(postgresUrl ?? '');
      url.pathname = '/rustronaut_no_such_database';
      url.password = 'hunter2-Secret';
      const err = await openError(url.toString());
      expect(err.code).toBe('ERR_DB_UNAVAILABLE');
      expect(err.message).toContain('rustronaut_no_such_database');
      expect(err.message).not.toContain('hunter2');
    });

    it('survives the server terminating its idle connections, and reports them to onIdleError', async () => {
      const testDb = await createPostgresTestDatabase(postgresUrl);
      const idleErrors: Error[] = [];
      const database = await openPostgres({ url: testDb.url, onIdleError: (err) => idleErrors.push(err) });
      try {
        await database.ping();
        // Terminate the pool's idle connection from another session, as a server restart would.
        const admin = await openPostgres({ url: postgresUrl ?? '' });
        await admin.db.execute(
          sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${testDb.name}`,
        );
        await admin.close();
        await expect.poll(() => idleErrors.length).toBeGreaterThan(0);
        await expect(database.ping()).resolves.toBeUndefined();
      } finally {
        await database.close();
        await testDb.drop();
      }
    });
  });
});
