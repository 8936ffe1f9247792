import { describe, expect, it } from 'vitest';
import { fakeMember } from '../../test/fake-member.js';
import { createRoundRobinBalancer } from './round-robin.js';
import type { Upstream } from './types.js';

const member = fakeMember;

const picks = (members: readonly Upstream[], count: number, balancer = createRoundRobinBalancer()): string => {
  let order = '';
  for (let i = 0; i < count; i++) order += balancer.pick(members)?.id ?? '-';
  return order;
};

describe('round-robin balancer', () => {
  it('spreads weights 1 and 2 exactly 1:2, interleaved rather than in bursts', () => {
    const order = picks([member('A', 1), member('B', 2)], 300);
    expect(order.startsWith('BABBAB')).toBe(true);
    expect([...order].filter((id) => id === 'A')).toHaveLength(100);
    expect([...order].filter((id) => id === 'B')).toHaveLength(200);
    expect(order).not.toContain('AA');
    expect(order).not.toContain('BBB');
  });

  it('is plain round-robin when weights are equal', () => {
    expect(picks([member('a'), member('b'), member('c')], 9)).toBe('abcabcabc');
  });

  it('keeps turns by member id, so a list in another order each call keeps the exact split', () => {
    const balancer = createRoundRobinBalancer();
    const members = [member('a', 1), member('b', 2), member('c', 3)];
    const counts = new Map<string | undefined, number>();
    for (let i = 0; i < 600; i++) {
      const rotated = [...members.slice(i % 3), ...members.slice(0, i % 3)];
      const id = balancer.pick(rotated)?.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ a: 100, b: 200, c: 300 });
  });

  it('gives a member that leaves and returns its share again, without a burst to catch up', () => {
    const balancer = createRoundRobinBalancer();
    const [a, b, c] = [member('a'), member('b'), member('c')];
    const order = picks([a, b, c], 30, balancer) + picks([a, c], 30, balancer) + picks([a, b, c], 30, balancer);
    const count = (id: string) => [...order].filter((c) => c === id).length;
    expect([count('a'), count('b'), count('c')]).toEqual([35, 20, 35]);
    expect(order.slice(60)).not.toContain('bb');
  });
});
