import type { Config } from '@rustronaut/config';
import type { AuditVerifyReport } from '@rustronaut/contracts';
import { openDatabase, type Database } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import type { Logger } from '@rustronaut/observability';
import { createReadStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { verifyAuditChains } from '../audit/verify-audit.js';
import { openMigratedDatabase } from '../server.js';
import { dumpDatabase, type DumpSummary } from './dump-database.js';
import { restoreDatabase, type RestoreOptions, type RestoreSummary } from './restore-database.js';

/**
 * Opens the configured database as it is, without migrating: a backup records the schema the data has, not the
 * one this release would migrate it to. A missing PGlite directory is an error rather than a new empty database.
 */
async function openExisting(config: Config): Promise<Database> {
  if (config.databaseUrl === undefined) {
    const dir = join(config.dataDir, 'pglite');
    if (
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw errors.dbUnavailable.create(
        `no database to back up: ${dir} does not exist (set RUSTRONAUT_DATA_DIR to the data directory, or DATABASE_URL)`,
      );
    }
  }
  return openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
}

/**
 * Writes a backup of the configured database to `file` (mode 0600). The file appears only when it is complete:
 * it is written beside, flushed to disk, then renamed over `file`.
 */
export async function backupToFile(config: Config, file: string, software: string): Promise<DumpSummary> {
  const partial = join(dirname(file), `.${basename(file)}.partial`);
  const database = await openExisting(config);
  try {
    const handle = await open(partial, 'w', 0o600);
    try {
      const summary = await dumpDatabase(database, async (text) => void (await handle.write(text)), { software });
      await handle.sync();
      await handle.close();
      await rename(partial, file);
      return summary;
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(partial).catch(() => undefined);
      throw err;
    }
  } finally {
    await database.close();
  }
}

/** What {@link restoreFromFile} did, and the audit log's verification afterwards. */
export interface RestoreFileResult extends RestoreSummary {
  readonly audit: AuditVerifyReport;
}

/**
 * Restores `file` into the configured database (migrated first; see `restoreDatabase`), then verifies the audit
 * hash chains of what it restored.
 */
export async function restoreFromFile(
  config: Config,
  logger: Logger,
  file: string,
  options: RestoreOptions,
): Promise<RestoreFileResult> {
  // Before opening the database (seconds for PGlite): a wrong path fails at once.
  await open(file, 'r').then(
    (handle) => handle.close(),
    (err: unknown) => {
      throw errors.backupInvalid.create(`cannot read ${file}: ${(err as Error).message}`);
    },
  );
  const database = await openMigratedDatabase(config, logger);
  const input = createReadStream(file, { encoding: 'utf8' });
  try {
    const summary = await restoreDatabase(database, createInterface({ input, crlfDelay: Infinity }), options);
    return { ...summary, audit: await verifyAuditChains(database.db) };
  } finally {
    input.destroy();
    await database.close();
  }
}
