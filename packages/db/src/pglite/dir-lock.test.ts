import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPglite } from './driver.js';
import { lockDir } from './dir-lock.js';

let tmp: TempDir | undefined;
afterEach(async () => {
  await tmp?.remove();
  tmp = undefined;
});

describe('one process per PGlite directory', () => {
  it('refuses a second opening of the same directory, naming the holder, until the first closes', async () => {
    tmp = await makeTempDir('rustronaut-lock-');
    const dir = join(tmp.path, 'pglite');
    const first = await openPglite({ dataDir: dir });
    expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    expect((await stat(`${dir}.lock`)).mode & 0o777).toBe(0o600);
    await expect(openPglite({ dataDir: dir })).rejects.toMatchObject({
      code: 'ERR_DB_UNAVAILABLE',
      message: expect.stringContaining(`in use by process ${String(process.pid)}`) as unknown,
    });
    await first.close();
    await expect(stat(`${dir}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await openPglite({ dataDir: dir });
    await again.close();
  });

  it('takes over a lock left by a process that has exited, and ignores garbage in it', async () => {
    tmp = await makeTempDir('rustronaut-lock-');
    const dir = join(tmp.path, 'db');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    for (const content of [String(gone), 'garbage', '']) {
      await writeFile(`${dir}.lock`, content);
      const lock = await lockDir(dir);
      expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid));
      await lock.release();
    }
  });

  it('says what is wrong when the lock file cannot be created', async () => {
    tmp = await makeTempDir('rustronaut-lock-');
    await expect(lockDir(join(tmp.path, 'missing', 'db'))).rejects.toMatchObject({ code: 'ERR_STARTUP_DATA_DIR' });
  });
});
