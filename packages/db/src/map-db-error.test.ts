import { AppError, errors } from '@rustronaut/errors';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { mapDbError } from './map-db-error.js';

function driverError(code: string, message = 'driver says no', extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code }, extra);
}

describe('mapDbError', () => {
  it('maps a unique violation (23505) wrapped by drizzle to ERR_DB_CONFLICT without leaking SQL or parameters', () => {
    const cause = driverError('23505', 'duplicate key value violates unique constraint "settings_pkey"', {
      constraint: 'settings_pkey',
      detail: 'Key (key)=(secret-value) already exists.',
    });
    const wrapped = new DrizzleQueryError('insert into "settings" values ($1, $2)', ['secret-value', 1], cause);
    const mapped = mapDbError(wrapped);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({ code: 'ERR_DB_CONFLICT', status: 409, details: { constraint: 'settings_pkey' } });
    expect((mapped as AppError).message).not.toMatch(/secret-value|insert/);
    expect((mapped as AppError).cause).toBe(wrapped);
  });

  it.each([
    ['ECONNREFUSED', driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['ENOTFOUND', driverError('ENOTFOUND', 'getaddrinfo ENOTFOUND db')],
    ['SQLSTATE 08006', driverError('08006', 'connection failure')],
    ['SQLSTATE 3D000 (unknown database)', driverError('3D000', 'database "x" does not exist')],
    ['SQLSTATE 28P01 (bad password)', driverError('28P01', 'password authentication failed')],
    ['SQLSTATE 57P01 (admin shutdown)', driverError('57P01', 'terminating connection')],
    ['a pool used after end()', new Error('Cannot use a pool after calling end on the pool')],
    ['a closed PGlite', new Error('PGlite is closed')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    [
      'an AggregateError of refused addresses',
      new AggregateError([driverError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''),
    ],
  ])('maps %s to ERR_DB_UNAVAILABLE', (_name, err) => {
    const mapped = mapDbError(new DrizzleQueryError('select 1', [], err));
    expect(mapped).toMatchObject({ code: 'ERR_DB_UNAVAILABLE', status: 503 });
  });

  it('returns other errors unchanged', () => {
    const syntax = driverError('42601', 'syntax error at or near "selec"');
    expect(mapDbError(syntax)).toBe(syntax);
    const plain = new Error('something else');
    expect(mapDbError(plain)).toBe(plain);
    expect(mapDbError('a string')).toBe('a string');
    expect(mapDbError(undefined)).toBeUndefined();
  });

  it('returns AppErrors unchanged, even ones that wrap a driver error', () => {
    const appError = errors.validation.create('bad input', { cause: driverError('23505') });
    expect(mapDbError(appError)).toBe(appError);
  });

  it('survives a cyclic cause chain', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(mapDbError(a)).toBe(a);
  });
});
