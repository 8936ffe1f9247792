import { createPostgresTestDatabase, makeTempDir, requirePostgres, type TempDir } from '@rustronaut/testkit';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../test/in-process-cli.js';
import { runCli, VERSION } from './index.js';

/** I/O for CLI runs in this process, working in the test's temporary directory. */
const harness = (env: Record<string, string>) => inProcessCli(env, tmp.path);

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-cli-');
});
afterAll(() => tmp.remove());

const ephemeral = (dataDir: string): Record<string, string> => ({
  RUSTRONAUT_DATA_DIR: dataDir,
  RUSTRONAUT_ADMIN_LISTEN: '127.0.0.1:0',
  RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0',
  RUSTRONAUT_GATEWAY_HTTP_LISTEN: '127.0.0.1:0',
  RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0',
  RUSTRONAUT_LOG_FORMAT: 'json',
});

describe('rustronaut version and help', () => {
  it('prints the version', async () => {
    const h = harness({});
    expect(await runCli(['version'], h.io)).toBe(0);
    expect(h.out()).toBe(`rustronaut ${VERSION} (node ${process.versions.node})\n`);
    expect(await runCli(['--version'], h.io)).toBe(0);
  });

  it.each([[[]], [['--help']], [['start', '--help']], [['config', 'check', '--help']], [['gateway', '--help']]])(
    '%j prints usage',
    async (argv) => {
      const h = harness({});
      expect(await runCli(argv, h.io)).toBe(argv.length === 0 ? 2 : 0);
      expect(h.out() + h.err()).toContain('Usage: rustronaut');
    },
  );

  it('lists every subcommand', async () => {
    const h = harness({});
    await runCli(['--help'], h.io);
    for (const cmd of ['start', 'admin', 'gateway', 'tunnel', 'connector', 'migrate', 'config', 'version'])
      expect(h.out()).toContain(`  ${cmd}`);
  });

  it('exits 2 on an unknown command or option', async () => {
    const h = harness({});
    expect(await runCli(['lauch'], h.io)).toBe(2);
    expect(h.err()).toContain("unknown command 'lauch'");
    expect(await runCli(['start', '--port', '1'], h.io)).toBe(2);
    expect(h.err()).toContain("unknown option '--port'");
  });
});

describe('rustronaut config check', () => {
  it('prints the effective configuration and exits 0', async () => {
    const h = harness({ DATABASE_URL: 'postgres://u:hunter2@db/x' });
    expect(await runCli(['config', 'check'], h.io)).toBe(0);
    expect(h.out()).toContain('listen: 127.0.0.1:8080');
    expect(h.out()).toContain('configuration OK');
    expect(h.out()).not.toContain('hunter2');
  });

  it('exits 2 naming the variable when an environment value is invalid', async () => {
    const h = harness({ RUSTRONAUT_ADMIN_LISTEN: 'abc' });
    expect(await runCli(['config', 'check'], h.io)).toBe(2);
    expect(h.err()).toBe(
      'rustronaut: invalid configuration:\n  RUSTRONAUT_ADMIN_LISTEN: expected host:port, got "abc" [ERR_CONFIG_INVALID]\n',
    );
  });

  it('exits 2 naming the file, line and field when a YAML field is invalid', async () => {
    const file = join(tmp.path, 'bad.yaml');
    await writeFile(file, 'gateway:\n  opsListen: 9090\n');
    const h = harness({});
    expect(await runCli(['config', 'check', '--config', file], h.io)).toBe(2);
    expect(h.err()).toContain(`${file}:2: gateway.opsListen: expected host:port, got "9090"`);
  });

  it('reads the file named by RUSTRONAUT_CONFIG', async () => {
    const file = join(tmp.path, 'good.yaml');
    await writeFile(file, 'log:\n  level: warn\n');
    const h = harness({ RUSTRONAUT_CONFIG: file });
    expect(await runCli(['config', 'check'], h.io)).toBe(0);
    expect(h.out()).toContain('level: warn');
    expect(h.out()).toContain(`configuration OK (${file})`);
  });
});

describe('rustronaut start', () => {
  it('serves the admin and the gateway on PGlite, then stops cleanly on a signal', async () => {
    const dataDir = join(tmp.path, 'start-data');
    const h = harness(ephemeral(dataDir));
    const exit = runCli(['start'], h.io);
    expect((await h.logLine('database ready'))['driver']).toBe('pglite');
    const adminUrl = String((await h.logLine('admin API and console at'))['url']);
    const gw = await h.logLine('gateway listening');
    const ops = `http://127.0.0.1:${String(gw['opsPort'])}`;
    expect(await (await fetch(`${adminUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${ops}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${String(gw['httpPort'])}/`)).status).toBe(404);
    h.stop('SIGTERM');
    expect(await exit).toBe(0);
    expect(h.out()).toContain('"msg":"stopped"');
    await expect(fetch(`${ops}/healthz`)).rejects.toThrow();
    await expect(fetch(`${adminUrl}/healthz`)).rejects.toThrow();
  });

  it('exits 1 naming the port and the setting when a port is in use, closing what it started', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const h = harness({
        ...ephemeral(join(tmp.path, 'busy')),
        RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(port)}`,
      });
      expect(await runCli(['start'], h.io)).toBe(1);
      expect(h.err()).toBe(
        `rustronaut: cannot listen on 127.0.0.1:${String(port)}: port ${String(port)} is already in use; change gateway.httpListen (RUSTRONAUT_GATEWAY_HTTP_LISTEN) [ERR_STARTUP_PORT_IN_USE]\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it('exits 1 when the data directory cannot be used', async () => {
    const file = join(tmp.path, 'not-a-dir');
    await writeFile(file, '');
    const h = harness(ephemeral(join(file, 'data')));
    expect(await runCli(['start'], h.io)).toBe(1);
    expect(h.err()).toMatch(
      /^rustronaut: data directory .*not-a-dir\/data is not usable: ENOTDIR; set dataDir \(RUSTRONAUT_DATA_DIR\)/,
    );
  });

  it.each([['start'], ['admin'], ['gateway'], ['migrate'], ['tunnel'], ['connector']])(
    '%s exits 2 on invalid configuration',
    async (cmd) => {
      const h = harness({ RUSTRONAUT_LOG_LEVEL: 'loud' });
      expect(await runCli([cmd], h.io)).toBe(2);
      expect(h.err()).toContain('RUSTRONAUT_LOG_LEVEL: ');
    },
  );

  it('rustronaut gateway runs the data plane alone', async () => {
    const h = harness(ephemeral(join(tmp.path, 'gw-only')));
    const exit = runCli(['gateway'], h.io);
    const gw = await h.logLine('gateway listening');
    expect((await fetch(`http://127.0.0.1:${String(gw['opsPort'])}/readyz`)).status).toBe(200);
    h.stop('SIGINT');
    expect(await exit).toBe(0);
    expect(h.out()).not.toContain('database');
  });
});

describe('agent commands: usage errors before anything starts', () => {
  const SITE_TOKEN = `rst_${'a'.repeat(43)}`;
  const HUB_TOKEN = `rgw_${'b'.repeat(43)}`;
  const tokenFile = async (name: string, text: string) => {
    const path = join(tmp.path, name);
    await writeFile(path, text, { mode: 0o600 });
    return path;
  };

  it.each([
    [['tunnel'], '--admin URL is required'],
    [['connector', '--token', SITE_TOKEN], '--admin URL is required'],
    [['gateway', '--enrol-token', HUB_TOKEN], '--admin URL is required'],
    [['tunnel', '--admin', 'ftp://admin.example'], '--admin: expected an http(s) URL, got "ftp://admin.example"'],
    [['connector', '--admin', 'admin.example'], '--admin: expected an http(s) URL, got "admin.example"'],
    [
      ['connector', '--admin', 'http://127.0.0.1:9', '--token-file', 'missing.txt'],
      '--token-file: cannot read missing.txt',
    ],
    [
      ['tunnel', '--admin', 'http://127.0.0.1:9', '--enrol-token-file', 'missing.txt'],
      '--enrol-token-file: cannot read',
    ],
    [
      ['connector', '--admin', 'http://127.0.0.1:9', '--token', SITE_TOKEN, '--token-file', 'x'],
      '--token and --token-file exclude each other',
    ],
    [['connector', '--admin', 'http://127.0.0.1:9', '--token', HUB_TOKEN], '--token: expected a site token (rst_...)'],
    [
      ['tunnel', '--admin', 'http://127.0.0.1:9', '--enrol-token', SITE_TOKEN],
      '--enrol-token: expected an enrolment token (rgw_...)',
    ],
    [['gateway', '--admin', 'http://127.0.0.1:9', '--config', 'gw.yaml'], '--admin and --config exclude each other'],
  ])('%j exits 2: %s', async (argv, message) => {
    const h = harness({});
    expect(await runCli(argv, h.io)).toBe(2);
    expect(h.err()).toContain(message);
    // A token is never repeated back: the messages name the flag.
    expect(h.err()).not.toMatch(/r(st|gw)_[ab]{43}/);
  });

  it('reads the token from a file or the environment, and names the source of a malformed one', async () => {
    const wrong = await tokenFile('hub-token.txt', `${HUB_TOKEN}\n`);
    const h = harness({});
    expect(await runCli(['connector', '--admin', 'http://127.0.0.1:9', '--token-file', wrong], h.io)).toBe(2);
    expect(h.err()).toContain('--token-file: expected a site token (rst_...)');
    const env = harness({ RUSTRONAUT_CONNECTOR_TOKEN: 'rst_short' });
    expect(await runCli(['connector', '--admin', 'http://127.0.0.1:9'], env.io)).toBe(2);
    expect(env.err()).toContain('$RUSTRONAUT_CONNECTOR_TOKEN: expected a site token (rst_...)');
    const hub = harness({ RUSTRONAUT_ENROL_TOKEN: SITE_TOKEN });
    expect(await runCli(['tunnel', '--admin', 'http://127.0.0.1:9'], hub.io)).toBe(2);
    expect(hub.err()).toContain('$RUSTRONAUT_ENROL_TOKEN: expected an enrolment token (rgw_...)');
  });
});

describe('rustronaut gateway --config', () => {
  const gatewayFile = async (name: string, routes: string) => {
    const file = join(tmp.path, name);
    await writeFile(file, `routes:\n${routes}`);
    return file;
  };
  const route = (name: string) =>
    `  - name: ${name}\n    match: { host: ${name}.test }\n    upstreams: [{ url: "http://127.0.0.1:1" }]\n    access: public\n`;

  it('runs the routes of a gateway file and reloads it on SIGHUP', async () => {
    const file = await gatewayFile('gw.yaml', route('one'));
    const h = harness(ephemeral(join(tmp.path, 'gw-file')));
    const exit = runCli(['gateway', '--config', file, '--no-watch'], h.io);
    expect((await h.logLine('gateway listening'))['routes']).toBe(1);
    await writeFile(file, `routes:\n${route('one')}${route('two')}`);
    h.reload();
    expect((await h.logLine('configuration reloaded'))['routes']).toBe(2);
    h.stop('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('exits 2 naming the file, line and field when the gateway file is invalid', async () => {
    const file = await gatewayFile(
      'bad-gw.yaml',
      '  - name: x\n    match: { host: "bad host" }\n    upstreams: []\n    access: public\n',
    );
    const h = harness(ephemeral(join(tmp.path, 'gw-bad')));
    expect(await runCli(['gateway', '--config', file], h.io)).toBe(2);
    expect(h.err()).toContain(`${file}:3: routes[0].match.host: expected a host name`);
    expect(h.err()).toContain(`${file}:4: routes[0].upstreams: `);
  });

  it('config check --gateway validates a gateway file without starting it', async () => {
    const file = await gatewayFile('check-gw.yaml', route('one'));
    const h = harness({});
    expect(await runCli(['config', 'check', '--gateway', file], h.io)).toBe(0);
    expect(h.out()).toContain(`gateway file OK (${file}): 1 HTTP route(s), 0 TCP listener(s)`);
    const dup = await gatewayFile('dup-gw.yaml', route('one') + route('one'));
    const bad = harness({});
    expect(await runCli(['config', 'check', '--gateway', dup], bad.io)).toBe(2);
    expect(bad.err()).toContain('the name "one" is used twice');
  });
});

describe('rustronaut migrate and admin', () => {
  it('migrate applies the migrations to the PGlite data directory and exits 0', async () => {
    const h = harness(ephemeral(join(tmp.path, 'migrate-data')));
    expect(await runCli(['migrate'], h.io)).toBe(0);
    expect(h.out()).toContain('first start: database initialised');
    const again = harness(ephemeral(join(tmp.path, 'migrate-data')));
    expect(await runCli(['migrate'], again.io)).toBe(0);
    expect(again.out()).not.toContain('first start');
  });

  const serverUrl = requirePostgres();
  it.skipIf(!serverUrl)('[postgres] start uses DATABASE_URL and migrates that database', async () => {
    const target = await createPostgresTestDatabase(serverUrl);
    try {
      const h = harness({ ...ephemeral(join(tmp.path, 'pg-data')), DATABASE_URL: target.url });
      const exit = runCli(['admin'], h.io);
      expect((await h.logLine('database ready'))['driver']).toBe('postgres');
      const adminUrl = String((await h.logLine('admin API at'))['url']);
      expect(await (await fetch(`${adminUrl}/api/v1/version`)).json()).toMatchObject({ database: 'postgres' });
      h.stop('SIGTERM');
      expect(await exit).toBe(0);
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
        expect(Number(rows[0]?.n)).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    } finally {
      await target.drop();
    }
  });

  it('exits 1 with a clear message when PostgreSQL is unreachable', async () => {
    const h = harness({ ...ephemeral(join(tmp.path, 'pg-down')), DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:1/x' });
    expect(await runCli(['migrate'], h.io)).toBe(1);
    expect(h.err()).toContain('ERR_DB_UNAVAILABLE');
    expect(h.err()).not.toContain('hunter2');
  });
});
