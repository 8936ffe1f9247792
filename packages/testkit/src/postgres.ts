import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Environment variables read by the PostgreSQL helpers, first match wins. */
const URL_VARIABLES = ['RUSTRONAUT_TEST_DATABASE_URL', 'DATABASE_URL'] as const;

/**
 * The PostgreSQL server URL tests may use (any database on it, e.g. `postgres://postgres@127.0.0.1:5432/postgres`):
 * `RUSTRONAUT_TEST_DATABASE_URL`, else `DATABASE_URL`, else undefined. Tests never write to that database;
 * they create their own with {@link createPostgresTestDatabase}.
 */
export function testPostgresUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of URL_VARIABLES) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

let warned = false;

/**
 * Decides whether the PostgreSQL variant of a test should run, for `describe.skipIf(!url)`. Returns the server
 * URL when one is configured. When none is: under CI (`CI=true`) it throws, because there a missing
 * prerequisite is a failure, not a skip; locally it prints a one-line warning to stderr (once per process)
 * and returns undefined.
 */
export function requirePostgres(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = testPostgresUrl(env);
  if (url !== undefined) return url;
  if (env['CI'] === 'true') {
    throw new Error(
      'PostgreSQL tests cannot run: set RUSTRONAUT_TEST_DATABASE_URL (or DATABASE_URL) to a server URL, e.g. postgres://postgres@127.0.0.1:5432/postgres',
    );
  }
  if (!warned) {
    warned = true;
    process.stderr.write(
      '\n*** WARNING: PostgreSQL tests SKIPPED: RUSTRONAUT_TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres); under CI=true this fails ***\n',
    );
  }
  return undefined;
}

/** A database created for one test file or run; see {@link createPostgresTestDatabase}. */
export interface PostgresTestDatabase {
  /** The database name, `rustronaut_test_<hex>`. */
  readonly name: string;
  /** URL of the new database: the server URL with its database replaced. */
  readonly url: string;
  /** Drops the database `WITH (FORCE)`, ending connections still open to it. Idempotent. */
  drop(): Promise<void>;
  /** Same as {@link PostgresTestDatabase.drop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates an empty, uniquely named database (`rustronaut_test_<random hex>`) on the test server, so tests never
 * see each other's rows. `serverUrl` defaults to {@link testPostgresUrl}; throws when there is none. Call
 * `drop()` when done (e.g. in `afterAll`).
 */
export async function createPostgresTestDatabase(
  serverUrl: string | undefined = testPostgresUrl(),
): Promise<PostgresTestDatabase> {
  if (serverUrl === undefined) {
    throw new Error(
      'createPostgresTestDatabase: no server URL; set RUSTRONAUT_TEST_DATABASE_URL (see requirePostgres())',
    );
  }
  const name = `rustronaut_test_${randomBytes(8).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  let dropping: Promise<void> | undefined;
  const drop = (): Promise<void> => {
    // FORCE (PostgreSQL 13+) terminates sessions a test left open instead of failing with "being accessed by other users".
    dropping ??= onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return dropping;
  };
  return { name, url: url.toString(), drop, [Symbol.asyncDispose]: drop };
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
