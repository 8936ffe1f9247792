import { eq, sql } from 'drizzle-orm';
import type { DrizzleDatabase } from './database.js';
import { mapDbError } from './map-db-error.js';
import { settings } from './schema.js';

/**
 * Reads a setting. Resolves to the stored JSON value, or `undefined` when the key has none.
 * Works on a database or inside a transaction.
 */
export async function getSetting(db: DrizzleDatabase, key: string): Promise<unknown> {
  checkKey(key);
  try {
    const rows = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).limit(1);
    return rows[0]?.value;
  } catch (err) {
    throw mapDbError(err);
  }
}

/**
 * Writes a setting, replacing any value the key had (upsert) and stamping `updated_at`.
 * The value must be JSON-serialisable and not `null` or `undefined` (a missing setting reads as `undefined`).
 */
export async function setSetting(db: DrizzleDatabase, key: string, value: unknown): Promise<void> {
  checkKey(key);
  checkValue(key, value);
  try {
    await db
      .insert(settings)
      .values({ key, value })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`now()` } });
  } catch (err) {
    throw mapDbError(err);
  }
}

/**
 * Writes a setting that must not exist yet; rejects with `ERR_DB_CONFLICT` when the key already has a value,
 * so of two concurrent first starts only one wins. Same value rules as {@link setSetting}.
 */
export async function insertSetting(db: DrizzleDatabase, key: string, value: unknown): Promise<void> {
  checkKey(key);
  checkValue(key, value);
  try {
    await db.insert(settings).values({ key, value });
  } catch (err) {
    throw mapDbError(err);
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new TypeError('setting key must be a non-empty string');
}

function checkValue(key: string, value: unknown): void {
  // The column is NOT NULL, and JSON.stringify returns undefined for undefined, functions and symbols.
  if (value === null || JSON.stringify(value) === undefined) {
    throw new TypeError(`setting "${key}": value must be JSON-serialisable and not null or undefined`);
  }
}
