import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import type { RateLimitRule } from './types.js';

// What only the in-process store has: its exact arithmetic under a fake clock, and bounded memory.
// The behaviour every store shares is in rate-limit-store.contract.test.ts.

const fakeClock = () => {
  const clock = { ms: 0, now: () => clock.ms };
  return clock;
};

describe('memory rate-limit store', () => {
  it('refills fractionally and counts whole tokens', () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    const rule: RateLimitRule = { ratePerSecond: 2, burst: 4 };
    for (let i = 0; i < 4; i++) expect(store.consumeSync('k', rule).allowed).toBe(true);
    expect(store.consumeSync('k', rule)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    clock.ms += 250; // half a token
    expect(store.consumeSync('k', rule)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    clock.ms += 1250; // three tokens in all
    expect(store.consumeSync('k', rule)).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    expect(store.consumeSync('k', rule)).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 0 });
    expect(store.consumeSync('k', rule)).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    expect(store.consumeSync('k', rule).allowed).toBe(false);
  });

  it('rounds Retry-After up to the second the next whole token arrives', () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    const rule: RateLimitRule = { ratePerSecond: 0.1, burst: 1 };
    store.consumeSync('k', rule);
    expect(store.consumeSync('k', rule).retryAfterSeconds).toBe(10);
    clock.ms += 8_500;
    expect(store.consumeSync('k', rule).retryAfterSeconds).toBe(2);
    clock.ms += 1_400;
    expect(store.consumeSync('k', rule).retryAfterSeconds).toBe(1);
    clock.ms += 100;
    expect(store.consumeSync('k', rule).allowed).toBe(true);
  });

  it('answers consume() and consumeSync() from the same buckets', async () => {
    const store = createMemoryStore({ now: fakeClock().now });
    const rule: RateLimitRule = { ratePerSecond: 1, burst: 2 };
    expect(store.consumeSync('k', rule).remaining).toBe(1);
    expect(await store.consume('k', rule)).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    expect(store.consumeSync('k', rule).allowed).toBe(false);
  });

  it('ignores a clock that steps backwards', () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    const rule: RateLimitRule = { ratePerSecond: 1, burst: 1 };
    clock.ms = 10_000;
    store.consumeSync('k', rule);
    clock.ms = 0;
    expect(store.consumeSync('k', rule)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
  });

  it('sweeps buckets that have refilled completely, and only those', async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now, sweepIntervalMs: 5 });
    const rule: RateLimitRule = { ratePerSecond: 1, burst: 2 };
    store.consumeSync('one-token-taken', rule);
    store.consumeSync('two-tokens-taken', rule);
    store.consumeSync('two-tokens-taken', rule);
    expect(store.size).toBe(2);
    clock.ms += 1000; // the first is full again; the second still lacks a token
    await vi.waitFor(() => expect(store.size).toBe(1));
    expect(store.consumeSync('two-tokens-taken', rule)).toMatchObject({ allowed: true, remaining: 0 });
    await store.close();
  });

  it('holds at most maxKeys buckets, dropping the oldest for a new key', () => {
    const store = createMemoryStore({ now: fakeClock().now, maxKeys: 3 });
    const rule: RateLimitRule = { ratePerSecond: 0.001, burst: 1 };
    for (let i = 0; i < 1000; i++) store.consumeSync(`spray|198.51.100.${String(i)}`, rule);
    expect(store.size).toBe(3);
    // The newest keys are still limited; the oldest was forgotten and starts from a full bucket.
    expect(store.consumeSync('spray|198.51.100.999', rule).allowed).toBe(false);
    expect(store.consumeSync('spray|198.51.100.0', rule).allowed).toBe(true);
    expect(store.size).toBe(3);
  });

  it('rejects invalid options at construction', () => {
    expect(() => createMemoryStore({ maxKeys: 0 })).toThrow(/maxKeys must be a positive integer/);
    expect(() => createMemoryStore({ maxKeys: 1.5 })).toThrow(TypeError);
    expect(() => createMemoryStore({ sweepIntervalMs: -1 })).toThrow(/sweepIntervalMs must be a positive integer/);
    expect(() => createMemoryStore({ now: 5 as unknown as () => number })).toThrow(/`now` must be a function/);
  });

  it('forgets every bucket on close', async () => {
    const store = createMemoryStore({ now: fakeClock().now });
    store.consumeSync('k', { ratePerSecond: 1, burst: 1 });
    await store.close();
    expect(store.size).toBe(0);
  });
});
