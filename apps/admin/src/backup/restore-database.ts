import { readSchemaVersion, schemaTables, type Database, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { sql } from 'drizzle-orm';
import { recordAudit } from '../audit/record-audit.js';
import { backupEnd, backupHeader, ROW_LINE, type BackupHeader } from './backup-format.js';

/** Rows inserted per statement. */
const INSERT_BATCH = 500;

/** Options of {@link restoreDatabase}. */
export interface RestoreOptions {
  /** Replace whatever the database holds (audit log included) instead of refusing a non-empty database. */
  readonly force?: boolean;
}

/** What a restore loaded. */
export interface RestoreSummary {
  readonly header: BackupHeader;
  /** Rows inserted, every table together. */
  readonly rows: number;
  /** True when `force` replaced existing data. */
  readonly replaced: boolean;
}

const invalid = (message: string) => errors.backupInvalid.create(`not a usable backup: ${message}`);

function parseJson(line: string, at: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw invalid(`line ${String(at)} is not JSON`);
  }
}

function checkHeader(first: string | undefined, target: { migrations: number; lastHash: string }): BackupHeader {
  if (first === undefined) throw invalid('the file is empty');
  const parsed = backupHeader.safeParse(parseJson(first, 1));
  if (!parsed.success) {
    throw invalid(`line 1 is not a rustronaut-backup header of format version 1 (${parsed.error.issues[0]?.message})`);
  }
  const header = parsed.data;
  const { migrations, lastHash } = header.schema;
  if (migrations !== target.migrations || lastHash !== target.lastHash) {
    const which = migrations < target.migrations ? 'an older' : migrations > target.migrations ? 'a newer' : 'another';
    throw errors.backupIncompatible.create(
      `the backup was made by ${which} release (rustronaut ${header.software}, ${String(migrations)} database migrations); this one has ${String(target.migrations)}. Restore it with rustronaut ${header.software}, then upgrade`,
    );
  }
  const known = schemaTables().map((t) => t.name);
  const listed = header.tables.map((t) => t.name);
  const missing = known.filter((name) => !listed.includes(name));
  const unknown = listed.filter((name) => !known.includes(name));
  if (missing.length > 0 || unknown.length > 0 || new Set(listed).size !== listed.length) {
    throw invalid(
      `its table list does not match the schema (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`,
    );
  }
  return header;
}

/** Tables holding rows, ignoring the instance id every start writes. */
async function tablesWithRows(tx: DrizzleDatabase, names: readonly string[]): Promise<string[]> {
  const full: string[] = [];
  for (const name of names) {
    const ignore = name === 'settings' ? sql` where key <> 'instance.id'` : sql``;
    const result = await tx.execute<{ n: string }>(sql`select count(*) as n from ${sql.identifier(name)}${ignore}`);
    if (Number(result.rows[0]?.n) > 0) full.push(name);
  }
  return full;
}

/**
 * Empties every table. The audit log refuses DELETE and TRUNCATE through its triggers (migration 0002), and a
 * forced restore replaces the log on purpose: user triggers are disabled for the TRUNCATE only, inside the
 * restore's transaction, so no other session ever sees them off (ALTER TABLE holds an exclusive lock until the
 * commit) and a failed restore leaves them as they were.
 */
async function wipe(tx: DrizzleDatabase, names: readonly string[]): Promise<void> {
  const list = sql.join(
    names.map((n) => sql.identifier(n)),
    sql`, `,
  );
  for (const name of names) await tx.execute(sql`alter table ${sql.identifier(name)} disable trigger user`);
  await tx.execute(sql`truncate table ${list}`);
  for (const name of names) await tx.execute(sql`alter table ${sql.identifier(name)} enable trigger user`);
}

/** Moves every sequence owned by a column of `public` past the restored rows (none today; future serials). */
async function resetSequences(tx: DrizzleDatabase): Promise<void> {
  const owned = await tx.execute<{ seq: string; tbl: string; col: string }>(sql`
    select s.oid::regclass::text as seq, t.relname as tbl, a.attname as col
    from pg_class s
    join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
    join pg_class t on t.oid = d.refobjid
    join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
    where s.relkind = 'S' and t.relnamespace = 'public'::regnamespace`);
  for (const { seq, tbl, col } of owned.rows) {
    await tx.execute(
      sql`select setval(${seq}::regclass, coalesce((select max(${sql.identifier(col)}) from ${sql.identifier(tbl)}), 0) + 1, false)`,
    );
  }
}

/**
 * Loads a backup written by `dumpDatabase` into a migrated database, in one transaction: either every row is
 * restored or none is. Refuses a backup of another schema version (ERR_BACKUP_INCOMPATIBLE), a damaged or
 * truncated file (ERR_BACKUP_INVALID), and a database that holds data unless `force` (ERR_BACKUP_TARGET_NOT_EMPTY).
 * The restore appends a `backup.restore` event to the instance audit chain, so the chain records it and still
 * verifies.
 */
export async function restoreDatabase(
  database: Database,
  lines: AsyncIterable<string>,
  options: RestoreOptions = {},
): Promise<RestoreSummary> {
  // Before the first await: readline drops the lines it reads while nobody iterates.
  const iterator = lines[Symbol.asyncIterator]();
  const target = await readSchemaVersion(database.db);
  if (target === undefined) throw new Error('restoreDatabase: migrate the database first');
  const first = await iterator.next();
  const header = checkHeader(first.done === true ? undefined : first.value, target);
  const order = header.tables.map((t) => t.name);
  return database.db.transaction(async (tx) => {
    const full = await tablesWithRows(tx, order);
    if (full.length > 0 && options.force !== true) {
      throw errors.restoreTargetNotEmpty.create(
        `the database is not empty (rows in ${full.join(', ')}): restore into an empty database, or pass --force to replace everything in it, audit log included`,
      );
    }
    if (full.length > 0) await wipe(tx, order);
    else await tx.execute(sql`delete from settings`);

    const counts = new Map<string, number>();
    let batch: string[] = [];
    let batchTable = '';
    let batchStart = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const table = sql.identifier(batchTable);
      try {
        await tx.execute(
          sql`insert into ${table} select * from jsonb_populate_recordset(null::${table}, ${`[${batch.join(',')}]`}::jsonb)`,
        );
      } catch (err) {
        const cause = (err as { cause?: Error }).cause ?? (err as Error);
        throw invalid(
          `lines ${String(batchStart)}-${String(batchStart + batch.length - 1)} (${batchTable}): ${cause.message}`,
        );
      }
      batch = [];
    };

    let at = 1;
    let end: { rows: number } | undefined;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      at += 1;
      const line = next.value;
      if (end !== undefined) throw invalid(`line ${String(at)} follows the end line`);
      const row = ROW_LINE.exec(line);
      if (row === null) {
        const closing = backupEnd.safeParse(parseJson(line, at));
        if (!closing.success) throw invalid(`line ${String(at)} is neither a row nor the end line`);
        end = closing.data;
        continue;
      }
      const [, table = '', json = ''] = row;
      if (table !== batchTable) {
        if (order.indexOf(table) <= order.indexOf(batchTable)) {
          throw invalid(`line ${String(at)}: rows of ${table} out of the header's table order`);
        }
        await flush();
        batchTable = table;
      }
      if (batch.length === 0) batchStart = at;
      batch.push(json);
      counts.set(table, (counts.get(table) ?? 0) + 1);
      if (batch.length >= INSERT_BATCH) await flush();
    }
    await flush();
    if (end === undefined) throw invalid(`the end line is missing after line ${String(at)}: the file was cut short`);
    let rows = 0;
    for (const { name, rows: expected } of header.tables) {
      const got = counts.get(name) ?? 0;
      if (got !== expected) throw invalid(`${name} has ${String(got)} rows, the header says ${String(expected)}`);
      rows += got;
    }
    if (rows !== end.rows) throw invalid(`${String(rows)} rows read, the end line says ${String(end.rows)}`);
    await resetSequences(tx);
    await recordAudit(tx, {
      orgId: null,
      actor: { type: 'system', id: null },
      action: 'backup.restore',
      data: {
        createdAt: header.createdAt,
        software: header.software,
        driver: header.driver,
        rows,
        replaced: full.length > 0,
      },
    });
    return { header, rows, replaced: full.length > 0 };
  });
}
