import { loadConfig } from '@rustronaut/config';
import { createLogger } from '@rustronaut/observability';
import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { createServer } from 'node:net';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDataDir, startAdmin } from './index.js';

const logger = createLogger({ level: 'silent', format: 'json' });
let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-admin-');
});
afterAll(() => tmp.remove());

describe('startAdmin on embedded PGlite', () => {
  it('creates the data directory 0700, stores PGlite there and keeps it across restarts', async () => {
    const dataDir = join(tmp.path, 'nested', 'data');
    const config = loadConfig({
      env: {
        RUSTRONAUT_DATA_DIR: dataDir,
        RUSTRONAUT_ADMIN_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0',
      },
    });
    const first = await startAdmin({ config, logger, version: '0.0.1' });
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const version = (await (await fetch(`${first.url}/api/v1/version`)).json()) as { database: string };
      expect(version.database).toBe('pglite');
    } finally {
      await first.close();
    }
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dataDir, 'pglite'))).toContain('PG_VERSION');
    // The second start finds the migrated database and its instance id.
    const second = await startAdmin({ config, logger, version: '0.0.1' });
    await second.close();
  });

  it('names the port and setting when the port is taken, and closes the database', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const config = loadConfig({
        env: {
          RUSTRONAUT_DATA_DIR: join(tmp.path, 'busy'),
          RUSTRONAUT_ADMIN_LISTEN: `127.0.0.1:${String(port)}`,
          RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0',
        },
      });
      await expect(startAdmin({ config, logger, version: '0' })).rejects.toMatchObject({
        code: 'ERR_STARTUP_PORT_IN_USE',
        message: `cannot listen on 127.0.0.1:${String(port)}: port ${String(port)} is already in use; change admin.listen (RUSTRONAUT_ADMIN_LISTEN)`,
      });
    } finally {
      blocker.close();
    }
  });
});

describe('prepareDataDir', () => {
  it('tightens the mode of an existing directory', async () => {
    const dir = join(tmp.path, 'loose');
    await mkdir(dir, { mode: 0o755 });
    await prepareDataDir(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('refuses a path that is a file or lies under one, naming the setting', async () => {
    const file = join(tmp.path, 'a-file');
    await writeFile(file, 'x');
    await expect(prepareDataDir(file)).rejects.toMatchObject({
      code: 'ERR_STARTUP_DATA_DIR',
      message: `data directory ${file} is not usable: EEXIST; set dataDir (RUSTRONAUT_DATA_DIR) to a writable directory`,
    });
    await expect(prepareDataDir(join(file, 'data'))).rejects.toMatchObject({
      code: 'ERR_STARTUP_DATA_DIR',
      message: expect.stringContaining('ENOTDIR') as unknown,
    });
  });
});
