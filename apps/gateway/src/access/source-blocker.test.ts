import { describe, expect, it } from 'vitest';
import { createSourceBlocker } from './source-blocker.js';

describe('source blocker', () => {
  const options = { threshold: 3, windowMs: 10_000, blockMs: 60_000 };

  it('blocks at the threshold within the window, for the block time, and starts counting again after', () => {
    const b = createSourceBlocker(options);
    expect(b.refused('a', 0)).toBe(false);
    expect(b.refused('a', 1000)).toBe(false);
    expect(b.blockedFor('a', 1000)).toBe(0);
    expect(b.refused('a', 2000)).toBe(true);
    expect(b.blockedFor('a', 2000)).toBe(60);
    expect(b.blockedFor('a', 61_500)).toBe(1);
    expect(b.blockedFor('b', 2000)).toBe(0);
    expect(b.blockedFor('a', 62_000)).toBe(0);
    expect(b.refused('a', 63_000)).toBe(false);
  });

  it('forgets refusals older than the window', () => {
    const b = createSourceBlocker(options);
    b.refused('a', 0);
    b.refused('a', 1000);
    expect(b.refused('a', 11_000)).toBe(false);
    expect(b.blockedFor('a', 11_000)).toBe(0);
  });

  it('never blocks with a threshold of 0, and stays bounded under a flood of addresses', () => {
    const off = createSourceBlocker({ ...options, threshold: 0 });
    for (let i = 0; i < 10; i++) expect(off.refused('a', i)).toBe(false);
    expect(off.blockedFor('a', 10)).toBe(0);
    const small = createSourceBlocker({ ...options, threshold: 2, maxAddresses: 2 });
    small.refused('a', 0);
    small.refused('b', 0);
    small.refused('c', 0);
    // `a` was evicted: its next refusal is its first again.
    expect(small.refused('a', 1)).toBe(false);
    expect(small.refused('c', 1)).toBe(true);
  });
});
