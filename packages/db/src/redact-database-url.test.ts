import { describe, expect, it } from 'vitest';
import { databaseUrlSecrets, redactDatabaseUrl } from './redact-database-url.js';

describe('redactDatabaseUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactDatabaseUrl('postgres://app:s3cr%40t@db.internal:5433/rustronaut?sslmode=require')).toBe(
      'postgres://app:***@db.internal:5433/rustronaut?sslmode=require',
    );
  });

  it('masks a password given as a query parameter', () => {
    expect(redactDatabaseUrl('postgresql://db/app?user=app&password=hunter2')).toBe(
      'postgresql://db/app?user=app&password=***',
    );
  });

  it('leaves a URL without password as is', () => {
    expect(redactDatabaseUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe(
      'postgres://postgres@127.0.0.1:5432/postgres',
    );
  });

  it('never echoes an unparsable URL', () => {
    expect(redactDatabaseUrl('not a url with password hunter2')).not.toContain('hunter2');
  });
});

describe('databaseUrlSecrets', () => {
  it('lists the password raw and decoded', () => {
    expect(databaseUrlSecrets('postgres://app:s3cr%40t@db/app?password=x')).toEqual(['s3cr%40t', 's3cr@t', 'x']);
    expect(databaseUrlSecrets('postgres://app@db/app')).toEqual([]);
  });
});
