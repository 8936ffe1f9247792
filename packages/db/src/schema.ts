import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Instance-wide key/value settings (e.g. the instance id stored at first start).
 * One row per key; values are JSON.
 */
export const settings = pgTable('settings', {
  /** Setting name, e.g. `instance.id`; unique, so a key holds one value. */
  key: text('key').primaryKey(),
  /** The value, any JSON (object, array, string, number, boolean). */
  value: jsonb('value').notNull(),
  /** When the value was last written; set by the database on insert and by the repository on update. */
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
