import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('doubles up to the cap, with the jitter in the upper half of each step, and resets', () => {
    const low = createBackoff({ minMs: 100, maxMs: 1000, random: () => 0 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = createBackoff({ minMs: 100, maxMs: 1000, random: () => 1 });
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    high.reset();
    expect(high.next()).toBe(100);
  });

  it('stays within bounds with the real random source, after very many attempts', () => {
    const b = createBackoff({ minMs: 500, maxMs: 30_000 });
    for (let i = 0; i < 1000; i++) {
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(250);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });

  it('refuses nonsense bounds at construction', () => {
    expect(() => createBackoff({ minMs: 0, maxMs: 10 })).toThrow(TypeError);
    expect(() => createBackoff({ minMs: 10, maxMs: 5 })).toThrow(TypeError);
    expect(() => createBackoff({ minMs: Number.NaN, maxMs: 5 })).toThrow(TypeError);
  });
});
