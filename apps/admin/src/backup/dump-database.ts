import { readSchemaVersion, schemaTables, type Database } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { sql } from 'drizzle-orm';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, rowLine, type BackupHeader } from './backup-format.js';

/** Rows read from the database per round trip: memory stays bounded whatever a table's size. */
const FETCH_SIZE = 1000;

/** What a dump wrote. */
export interface DumpSummary {
  readonly header: BackupHeader;
  /** Rows written, every table together. */
  readonly rows: number;
}

/**
 * Writes every table of the schema to `write`, as one consistent snapshot: a single read-only transaction at
 * REPEATABLE READ, so writers working meanwhile show up entirely or not at all. Values are copied as stored:
 * encrypted secrets (`*_enc`) stay encrypted under the master key and hashes stay hashes, so a backup holds no
 * secret in clear, and is useless without the master key (back that up separately).
 */
export async function dumpDatabase(
  database: Database,
  write: (text: string) => Promise<void>,
  options: { readonly software: string; readonly now?: Date },
): Promise<DumpSummary> {
  const tables = schemaTables();
  return database.db.transaction(
    async (tx) => {
      const schema = await readSchemaVersion(tx);
      if (schema === undefined) {
        throw errors.dbUnavailable.create('nothing to back up: this database was never initialised (no migrations)');
      }
      const counts: BackupHeader['tables'] = [];
      for (const { name } of tables) {
        const result = await tx.execute<{ n: string }>(sql`select count(*) as n from ${sql.identifier(name)}`);
        counts.push({ name, rows: Number(result.rows[0]?.n ?? 0) });
      }
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        createdAt: (options.now ?? new Date()).toISOString(),
        software: options.software,
        driver: database.driver,
        schema,
        tables: counts,
      };
      await write(`${JSON.stringify(header)}\n`);
      let rows = 0;
      for (const { name } of tables) {
        await tx.execute(
          sql`declare backup_rows no scroll cursor for select to_jsonb(t)::text as row from ${sql.identifier(name)} t`,
        );
        for (;;) {
          const batch = await tx.execute<{ row: string }>(sql.raw(`fetch forward ${FETCH_SIZE} from backup_rows`));
          if (batch.rows.length === 0) break;
          await write(batch.rows.map((r) => rowLine(name, r.row)).join(''));
          rows += batch.rows.length;
        }
        await tx.execute(sql`close backup_rows`);
      }
      await write(`${JSON.stringify({ end: true, rows })}\n`);
      return { header, rows };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
