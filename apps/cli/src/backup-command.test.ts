import { createPostgresTestDatabase, makeTempDir, requirePostgres, type TempDir } from '@rustronaut/testkit';
import { readFile, stat, writeFile } from 'node:fs/promises';
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
let source: Record<string, string>;
/** The backup every test restores, taken in beforeAll. */
let backup: ReturnType<typeof run>;
let backupExit: number;
const serverUrl = requirePostgres();

const envOf = (name: string, databaseUrl?: string): Record<string, string> => ({
  RUSTRONAUT_DATA_DIR: join(tmp.path, name),
  RUSTRONAUT_ADMIN_LISTEN: '127.0.0.1:0',
  RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0',
  RUSTRONAUT_LOG_FORMAT: 'json',
  ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
});

beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-backup-');
  source = envOf('source');
  // First start with an owner: users, an organisation, signing keys and audit events to back up.
  const admin = run(['admin'], {
    ...source,
    RUSTRONAUT_ADMIN_EMAIL: 'owner@example.com',
    RUSTRONAUT_ADMIN_PASSWORD: 'correct horse battery staple',
  });
  await admin.logLine('admin API at');
  admin.stop('SIGTERM');
  expect(await admin.exit).toBe(0);
  backup = run(['backup', '--out', 'instance.backup'], source);
  backupExit = await backup.exit;
}, 120_000);
afterAll(() => tmp.remove());

describe('rustronaut backup and restore', () => {
  const file = () => join(tmp.path, 'instance.backup');

  it('backup writes a complete file readable by its owner only', async () => {
    expect(backupExit, backup.err()).toBe(0);
    expect(backup.out()).toMatch(
      /^backup written to .*instance\.backup: \d+ rows in \d+ tables \(pglite, schema with \d+ migrations\)\nit holds secrets encrypted under the master key/,
    );
    expect((await stat(file())).mode & 0o777).toBe(0o600);
    const lines = (await readFile(file(), 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ format: 'rustronaut-backup', formatVersion: 1 });
    expect(JSON.parse(lines.at(-1) ?? '')).toEqual({ end: true, rows: lines.length - 2 });
    expect(lines.some((line) => line.includes('"email": "owner@example.com"'))).toBe(true);
  }, 60_000);

  const targets: Array<{ name: string; env: () => Promise<{ env: Record<string, string>; drop(): Promise<void> }> }> = [
    { name: 'an empty PGlite', env: () => Promise.resolve({ env: envOf('restored'), drop: () => Promise.resolve() }) },
    ...(serverUrl === undefined
      ? []
      : [
          {
            name: 'an empty PostgreSQL database',
            env: async () => {
              const created = await createPostgresTestDatabase(serverUrl);
              return { env: envOf('restored-pg', created.url), drop: () => created.drop() };
            },
          },
        ]),
  ];

  describe.each(targets)('restore into $name', (target) => {
    let database: { env: Record<string, string>; drop(): Promise<void> };
    beforeAll(async () => {
      database = await target.env();
    });
    afterAll(() => database.drop());

    it('loads the backup and verifies the audit log; a second restore is refused; --force replaces', async () => {
      const restore = run(['restore', file()], database.env);
      expect(await restore.exit, restore.err()).toBe(0);
      expect(restore.out()).toMatch(
        /^restored \d+ rows in \d+ tables from .*instance\.backup \(written .* by rustronaut .*\)\naudit log intact: 2 chains, \d+ events checked\n$/,
      );

      const again = run(['restore', file()], database.env);
      expect(await again.exit).toBe(1);
      expect(again.err()).toMatch(
        /^rustronaut: the database is not empty \(rows in .*users.*\): restore into an empty database, or pass --force to replace everything in it, audit log included \[ERR_BACKUP_TARGET_NOT_EMPTY\]\n$/,
      );

      const forced = run(['restore', '--force', file()], database.env);
      expect(await forced.exit, forced.err()).toBe(0);
      expect(forced.out()).toContain(', replacing what the database held\naudit log intact');
    }, 120_000);
  });

  it('refuses bad input with a clear message and exit 1 (2 for usage)', async () => {
    const missing = run(['restore', 'no-such.backup'], envOf('unused'));
    expect(await missing.exit).toBe(1);
    expect(missing.err()).toMatch(/^rustronaut: cannot read .*no-such\.backup: ENOENT.* \[ERR_BACKUP_INVALID\]\n$/);

    await writeFile(join(tmp.path, 'garbage.backup'), 'not a backup\n');
    const garbage = run(['restore', 'garbage.backup'], envOf('garbage'));
    expect(await garbage.exit).toBe(1);
    expect(garbage.err()).toBe('rustronaut: not a usable backup: line 1 is not JSON [ERR_BACKUP_INVALID]\n');

    const nothing = run(['backup', '--out', 'x.backup'], envOf('never-started'));
    expect(await nothing.exit).toBe(1);
    expect(nothing.err()).toMatch(/^rustronaut: no database to back up: .*never-started\/pglite does not exist/);

    const usage = run(['backup'], source);
    expect(await usage.exit).toBe(2);
    expect(usage.err()).toContain("required option '-o, --out <file>' not specified");
  }, 60_000);
});
