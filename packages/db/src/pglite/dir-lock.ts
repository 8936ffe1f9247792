import { errors } from '@rustronaut/errors';
import { readFile, unlink, writeFile } from 'node:fs/promises';

/** A held lock: release it when the database closes. */
export interface DirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dir>.lock` for this process: PGlite is one embedded PostgreSQL per directory, and a second process
 * opening the same files (a second admin, or `rustronaut audit verify` beside a running one) would corrupt them.
 * A lock left by a process that no longer runs is taken over. Rejects with ERR_DB_UNAVAILABLE naming the holder.
 */
export async function lockDir(dir: string): Promise<DirLock> {
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, `${String(process.pid)}\n`, { flag: 'wx', mode: 0o600 });
      return {
        release: async () => {
          const holder = await readFile(file, 'utf8').catch(() => '');
          if (Number(holder.trim()) === process.pid) await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw errors.startupDataDir.create(`cannot create the lock file ${file}: ${String(err)}`, { cause: err });
      }
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw errors.dbUnavailable.create(
        `PGlite in ${dir} is in use by process ${String(holder)} (another rustronaut admin or command); stop it first, or share a PostgreSQL server through DATABASE_URL`,
      );
    }
    // Left behind by a process that is gone: take it over.
    await unlink(file).catch(() => undefined);
  }
  throw errors.dbUnavailable.create(`PGlite in ${dir}: another process keeps taking ${file}`);
}
