import { z } from 'zod';

/**
 * A backup is JSON Lines: the header, then one line per row (`{"table":…,"row":…}`, tables in the order rows can
 * be inserted in), then the end line. The header counts each table's rows and the end line counts them all, so a
 * file cut short or edited is refused instead of half restored.
 */
export const BACKUP_FORMAT = 'rustronaut-backup';

/** Version of the file layout (not of the schema): bumped when the lines change shape. */
export const BACKUP_FORMAT_VERSION = 1;

/** The first line of a backup. */
export const backupHeader = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  /** When the snapshot was taken (ISO 8601). */
  createdAt: z.string(),
  /** Version of the rustronaut that wrote it. */
  software: z.string(),
  /** Driver of the database it came from; a dump restores into either. */
  driver: z.enum(['pglite', 'postgres']),
  /** The migrations applied to the database it came from: a restore needs the same. */
  schema: z.object({ migrations: z.number().int().min(0), lastHash: z.string() }),
  /** Every table, in insertion order, with its number of rows. */
  tables: z.array(z.object({ name: z.string().regex(/^[a-z_][a-z0-9_]*$/), rows: z.number().int().min(0) })),
});

/** The first line of a backup. */
export type BackupHeader = z.infer<typeof backupHeader>;

/** The last line of a backup. */
export const backupEnd = z.object({ end: z.literal(true), rows: z.number().int().min(0) });

/**
 * A row line as the dump writes it. The row is Postgres' own `to_jsonb` text, copied as it is: jsonb text has no
 * raw line breaks, and the restore hands it back to Postgres (`jsonb_populate_recordset`) without a round trip
 * through JavaScript numbers and dates.
 */
export const ROW_LINE = /^\{"table":"([a-z_][a-z0-9_]*)","row":(\{.*\})\}$/;

/** Writes a row line. */
export const rowLine = (table: string, rowJson: string): string => `{"table":"${table}","row":${rowJson}}\n`;
