import { errors } from '@rustronaut/errors';
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Creates the data directory with mode 0700 (or tightens an existing one) and proves it is writable
 * by writing a probe file: `access()` says yes to root even on a read-only mount.
 */
export async function prepareDataDir(dir: string): Promise<void> {
  const fail = (reason: string, cause: unknown): never => {
    throw errors.startupDataDir.create(
      `data directory ${dir} is not usable: ${reason}; set dataDir (RUSTRONAUT_DATA_DIR) to a writable directory`,
      { cause },
    );
  };
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await stat(dir)).isDirectory()) fail('not a directory', undefined);
    await chmod(dir, 0o700);
    const probe = join(dir, `.write-probe-${String(process.pid)}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_STARTUP_DATA_DIR') throw err;
    fail((err as NodeJS.ErrnoException).code ?? String(err), err);
  }
}
