import { describe, expect, it } from 'vitest';
import { fakeMember } from '../../test/fake-member.js';
import { createWeightedBalancer } from './weighted.js';

const member = fakeMember;

/** mulberry32: a small seeded generator, so the ratio below is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('weighted balancer', () => {
  it('chooses in proportion to weight', () => {
    const balancer = createWeightedBalancer(seeded(42));
    const members = [member('a', 1), member('b', 3), member('c', 6)];
    const counts = new Map<string | undefined, number>();
    const total = 50_000;
    for (let i = 0; i < total; i++) {
      const id = balancer.pick(members)?.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect((counts.get('a') ?? 0) / total).toBeCloseTo(0.1, 2);
    expect((counts.get('b') ?? 0) / total).toBeCloseTo(0.3, 2);
    expect((counts.get('c') ?? 0) / total).toBeCloseTo(0.6, 2);
  });

  it('maps the random number onto the weight ranges in list order', () => {
    let next = 0;
    const balancer = createWeightedBalancer(() => next);
    const members = [member('a', 1), member('b', 3)];
    const at = (value: number) => {
      next = value;
      return balancer.pick(members)?.id;
    };
    expect([at(0), at(0.24), at(0.25), at(0.999)]).toEqual(['a', 'a', 'b', 'b']);
  });

  it('rejects a random source that is not a function', () => {
    expect(() => createWeightedBalancer(0.5 as unknown as () => number)).toThrow(
      'weighted balancer: random must be a function',
    );
  });
});
