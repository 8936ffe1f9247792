import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

/** A table of the schema, as a dump sees it. */
export interface SchemaTable {
  /** SQL name, e.g. `audit_events`. */
  readonly name: string;
  /** Names of the other tables its foreign keys reference. */
  readonly references: readonly string[];
}

/**
 * Every table of the Drizzle schema, each after the tables its foreign keys reference, so that inserting rows in
 * this order never breaks a constraint. Read from the schema itself: a table added to `schema.ts` is in the list
 * without editing anything else (backups rely on that).
 */
export function schemaTables(): SchemaTable[] {
  const tables = (Object.values(schema) as unknown[])
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => {
      const config = getTableConfig(table);
      const references = config.foreignKeys
        .map((fk) => getTableConfig(fk.reference().foreignTable).name)
        .filter((name) => name !== config.name);
      return { name: config.name, references: [...new Set(references)] };
    });
  const ordered: SchemaTable[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.filter((t) => !placed.has(t.name) && t.references.every((r) => placed.has(r)));
    if (next.length === 0) throw new Error('schemaTables: the foreign keys between tables form a cycle');
    for (const table of next) {
      ordered.push(table);
      placed.add(table.name);
    }
  }
  return ordered;
}
