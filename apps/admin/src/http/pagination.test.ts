import { newId } from '@rustronaut/db';
import { describe, expect, it } from 'vitest';
import { cursorId, pageOf, paginationQuery } from './pagination.js';

describe('cursor pagination', () => {
  it('returns a cursor only when there is a next page, and the cursor decodes to the last id', () => {
    const rows = Array.from({ length: 4 }, () => ({ id: newId() }));
    const page = pageOf(rows, 3, (row) => row.id);
    expect(page.items).toEqual(rows.slice(0, 3).map((r) => r.id));
    expect(cursorId(page.nextCursor ?? undefined)).toBe(rows[2]?.id);
    expect(pageOf(rows.slice(0, 3), 3, (row) => row.id).nextCursor).toBeNull();
    expect(pageOf([], 3, (row: { id: string }) => row.id)).toEqual({ items: [], nextCursor: null });
  });

  it('refuses cursors it did not make with a validation error', () => {
    expect(cursorId(undefined)).toBeUndefined();
    expect(cursorId('')).toBeUndefined();
    for (const garbage of ['zzz', "' OR 1=1 --", Buffer.from('not-a-uuid').toString('base64url')]) {
      expect(() => cursorId(garbage)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
    }
  });

  it('bounds the page size', () => {
    expect(paginationQuery.parse({})).toEqual({ limit: 50 });
    expect(paginationQuery.parse({ limit: '200' }).limit).toBe(200);
    for (const limit of ['0', '-1', '201', '1e9', 'abc', '1.5']) {
      expect(paginationQuery.safeParse({ limit }).success, limit).toBe(false);
    }
    expect(paginationQuery.safeParse({ other: 1 }).success).toBe(false);
  });
});
