import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  defineError,
  errorDefinitions,
  errors,
  findErrorDefinition,
  isAppError,
  renderErrorsMarkdown,
} from './index.js';

describe('error registry', () => {
  it('docs/errors.md is generated from the registry (run `npm run docs` when this fails)', () => {
    const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    expect(docs).toBe(renderErrorsMarkdown());
  });

  it('every code is unique, well-formed and maps to an error status', () => {
    const codes = errorDefinitions.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const d of errorDefinitions) {
      expect(d.code).toMatch(/^ERR(_[A-Z0-9]+)+$/);
      expect(d.status).toBeGreaterThanOrEqual(400);
      expect(findErrorDefinition(d.code)).toBe(d);
    }
  });

  it('create() carries code, status, details and cause', () => {
    const cause = new Error('low level');
    const err = errors.validation.create('bad name', { cause, details: { field: 'name' } });
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'ERR_VALIDATION', status: 400, message: 'bad name', details: { field: 'name' } });
    expect(err.cause).toBe(cause);
  });

  it('isAppError matches on the registered code, not the class', () => {
    expect(isAppError(errors.notFound.create('x'))).toBe(true);
    // A structurally equal error from another copy of the package is recognised...
    expect(isAppError(Object.assign(new Error('x'), { code: 'ERR_NOT_FOUND', status: 404 }))).toBe(true);
    // ...an unregistered code or a Node errno error is not.
    expect(isAppError(Object.assign(new Error('x'), { code: 'ERR_NOPE_NOPE', status: 400 }))).toBe(false);
    expect(isAppError(Object.assign(new Error('x'), { code: 'EADDRINUSE' }))).toBe(false);
    expect(isAppError(null)).toBe(false);
    expect(isAppError('ERR_NOT_FOUND')).toBe(false);
  });

  it('defineError rejects bad definitions at construction', () => {
    expect(() => defineError('not_a_code', 400, 'x')).toThrow(/ERR_AREA_REASON/);
    expect(() => defineError('ERR_', 400, 'x')).toThrow(/ERR_AREA_REASON/);
    expect(() => defineError('ERR_A_B', 200, 'x')).toThrow(/4xx or 5xx/);
    expect(() => defineError('ERR_A_B', 400, ' ')).toThrow(/description/);
  });
});
