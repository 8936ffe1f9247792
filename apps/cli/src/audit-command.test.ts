import { openMigratedDatabase } from '@rustronaut/admin';
import { loadConfig } from '@rustronaut/config';
import { createLogger } from '@rustronaut/observability';
import { createPostgresTestDatabase, makeTempDir, requirePostgres, type TempDir } from '@rustronaut/testkit';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../test/in-process-cli.js';
import { runCli } from './index.js';

/** One CLI run in this process, in the test's temporary directory: its exit code and its I/O. */
function run(argv: string[], env: Record<string, string>) {
  const cli = inProcessCli(env, tmp.path);
  return { ...cli, exit: runCli(argv, cli.io) };
}

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-audit-');
});
afterAll(() => tmp.remove());

const PASSWORD = 'correct horse battery staple';

/** Starts `rustronaut admin`, signs in, renames the Default org twice and stops: the log then has events. */
async function seed(env: Record<string, string>): Promise<string> {
  const admin = run(['admin'], {
    ...env,
    RUSTRONAUT_ADMIN_EMAIL: 'owner@example.com',
    RUSTRONAUT_ADMIN_PASSWORD: PASSWORD,
  });
  const url = String((await admin.logLine('admin API at'))['url']);
  const call = async (method: string, path: string, body: unknown, token?: string) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    expect(res.status, path).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const { accessToken } = await call('POST', '/api/v1/auth/login', { email: 'owner@example.com', password: PASSWORD });
  const token = String(accessToken);
  const orgs = await fetch(`${url}/api/v1/orgs`, { headers: { authorization: `Bearer ${token}` } });
  const orgId = String(((await orgs.json()) as { items: Array<{ id: string }> }).items[0]?.id);
  await call('PATCH', `/api/v1/orgs/${orgId}`, { name: 'Renamed' }, token);
  await call('PATCH', `/api/v1/orgs/${orgId}`, { name: 'Renamed again' }, token);
  admin.stop('SIGTERM');
  expect(await admin.exit).toBe(0);
  return orgId;
}

/** Runs SQL on the configured database as its owner, as someone tampering with the log would. */
async function withDatabase<T>(
  env: Record<string, string>,
  fn: (execute: (statement: string) => Promise<Array<Record<string, unknown>>>) => Promise<T>,
): Promise<T> {
  const database = await openMigratedDatabase(
    loadConfig({ env, cwd: tmp.path }),
    createLogger({ level: 'silent', format: 'json' }),
  );
  try {
    return await fn(async (statement) => (await database.db.execute(statement)).rows);
  } finally {
    await database.close();
  }
}

const withoutTrigger = (statement: string) => [
  'ALTER TABLE audit_events DISABLE TRIGGER USER',
  statement,
  'ALTER TABLE audit_events ENABLE TRIGGER USER',
];

const serverUrl = requirePostgres();
/** Where the test's database lives: PGlite in the data directory, or a fresh database on the test server. */
interface TestDatabase {
  readonly url?: string;
  drop(): Promise<void>;
}
const drivers: Array<{ name: string; database: () => Promise<TestDatabase> }> = [
  { name: 'pglite', database: () => Promise.resolve({ drop: () => Promise.resolve() }) },
  ...(serverUrl === undefined ? [] : [{ name: 'postgres', database: () => createPostgresTestDatabase(serverUrl) }]),
];

describe.each(drivers)('[$name] rustronaut audit verify', (driver) => {
  let env: Record<string, string>;
  let orgId: string;
  let db: TestDatabase;
  let events: Array<{ id: string; seq: number; action: string; data: unknown }>;

  beforeAll(async () => {
    db = await driver.database();
    env = {
      RUSTRONAUT_DATA_DIR: join(tmp.path, `data-${driver.name}`),
      RUSTRONAUT_ADMIN_LISTEN: '127.0.0.1:0',
      RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0',
      RUSTRONAUT_LOG_FORMAT: 'json',
      ...(db.url === undefined ? {} : { DATABASE_URL: db.url }),
    };
    orgId = await seed(env);
    events = await withDatabase(env, async (execute) =>
      (await execute(`SELECT id, seq, action, data FROM audit_events WHERE chain = '${orgId}' ORDER BY seq`)).map(
        (r) => ({ id: String(r['id']), seq: Number(r['seq']), action: String(r['action']), data: r['data'] }),
      ),
    );
    expect(events.map((e) => e.action)).toEqual(['org.create', 'org.update', 'org.update']);
  }, 120_000);
  afterAll(() => db.drop());

  it('exits 0 with a summary when the log is intact, for every chain or one org', async () => {
    const all = run(['audit', 'verify'], env);
    expect(await all.exit).toBe(0);
    // The instance chain holds the owner's creation and sign-in; the org chain its three events.
    expect(all.out()).toBe('audit log intact: 2 chains, 5 events checked\n');
    expect(all.err()).toBe('');
    const one = run(['audit', 'verify', '--org', orgId.toUpperCase()], env);
    expect(await one.exit).toBe(0);
    expect(one.out()).toBe('audit log intact: 1 chain, 3 events checked\n');
  }, 60_000);

  it('the database refuses UPDATE and DELETE of audit rows while the trigger is on', async () => {
    const target = events[1];
    await withDatabase(env, async (execute) => {
      for (const statement of [
        `UPDATE audit_events SET data = '{}'::jsonb WHERE id = '${String(target?.id)}'`,
        `DELETE FROM audit_events WHERE id = '${String(target?.id)}'`,
      ]) {
        const err = await execute(statement).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(`${String(err?.message)} ${String((err?.cause as Error | undefined)?.message)}`).toContain(
          'audit_events is append-only',
        );
      }
    });
    expect(await run(['audit', 'verify'], env).exit).toBe(0);
  }, 60_000);

  it('exits 1 naming an event changed with SQL, and 0 again once it is put back', async () => {
    const target = events[1];
    if (target === undefined) throw new Error('no event');
    await withDatabase(env, async (execute) => {
      for (const s of withoutTrigger(`UPDATE audit_events SET data = '{"name":"Innocent"}' WHERE id = '${target.id}'`))
        await execute(s);
    });
    const broken = run(['audit', 'verify'], env);
    expect(await broken.exit).toBe(1);
    const line = `audit chain ${orgId}: event ${target.id} (seq 2, org.update): hash does not match its contents (changed)`;
    expect(broken.out()).toBe(
      `${line}\naudit log BROKEN: 1 chain with problems (1 listed); 2 chains, 5 events checked\n`,
    );
    expect(broken.err()).toBe(`rustronaut: the audit log is broken: ${line} [ERR_AUDIT_CHAIN_BROKEN]\n`);
    const one = run(['audit', 'verify', '--org', orgId], env);
    expect(await one.exit).toBe(1);
    expect(one.out()).toContain(line);

    await withDatabase(env, async (execute) => {
      const original = JSON.stringify(target.data).replaceAll("'", "''");
      for (const s of withoutTrigger(`UPDATE audit_events SET data = '${original}' WHERE id = '${target.id}'`))
        await execute(s);
    });
    expect(await run(['audit', 'verify'], env).exit).toBe(0);
  }, 60_000);

  it('exits 1 naming the event after a deleted one', async () => {
    const [first, second] = events;
    if (first === undefined || second === undefined) throw new Error('no events');
    await withDatabase(env, async (execute) => {
      for (const s of withoutTrigger(`DELETE FROM audit_events WHERE id = '${first.id}'`)) await execute(s);
    });
    const broken = run(['audit', 'verify', '--org', orgId], env);
    expect(await broken.exit).toBe(1);
    expect(broken.out()).toContain(
      `audit chain ${orgId}: event ${second.id} (seq 2, org.update): seq 1 missing (deleted)\n`,
    );
    expect(broken.err()).toContain('ERR_AUDIT_CHAIN_BROKEN');
  }, 60_000);
});

describe('rustronaut audit verify: usage', () => {
  it.each([
    [['audit', 'verify', '--org', 'not-an-id']],
    [['audit', 'verify', '--org', "1' OR '1'='1"]],
    [['audit', 'verify', '--org']],
    [['audit', 'verify', '--bogus']],
    [['audit', 'nope']],
  ])('%j exits 2', async (argv) => {
    const h = run(argv, { RUSTRONAUT_DATA_DIR: join(tmp.path, 'unused') });
    expect(await h.exit).toBe(2);
    expect(h.out() + h.err()).not.toBe('');
  });

  it('lists audit verify in the help', async () => {
    const h = run(['audit', '--help'], {});
    expect(await h.exit).toBe(0);
    expect(h.out()).toContain('verify');
  });
});
