import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeMember } from '../../test/fake-member.js';
import { createBalancer } from './create-balancer.js';
import type { Balancer, LoadBalancing, Upstream } from './types.js';

// One suite, every strategy: what the proxy relies on must hold whichever `loadBalancing` a route names.

const kinds: readonly LoadBalancing[] = ['round-robin', 'weighted', 'least-connections'];

const member = fakeMember;

/** Picks `count` times from `members`, checks each pick is one of them, and counts the picks per id. */
function tally(balancer: Balancer, members: readonly Upstream[], count: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const chosen = balancer.pick(members);
    // `includes` rather than an assertion per pick: tens of thousands of expect() calls would dominate the run.
    if (chosen === undefined ? members.length > 0 : !members.includes(chosen)) {
      expect.fail(`picked ${chosen?.id ?? 'nothing'} from [${members.map((m) => m.id).join(', ')}]`);
    }
    if (chosen !== undefined) counts.set(chosen.id, (counts.get(chosen.id) ?? 0) + 1);
  }
  return counts;
}

describe.each(kinds)('balancer contract: %s', (kind) => {
  it('picks only from the members it is given', () => {
    const memberList = fc
      .uniqueArray(
        fc.record({ id: fc.string({ minLength: 1 }), weight: fc.integer({ min: 1, max: 1000 }), active: fc.nat(20) }),
        { minLength: 1, maxLength: 12, selector: (m) => m.id },
      )
      .map((specs) => specs.map((s) => member(s.id, s.weight, s.active)));
    fc.assert(
      fc.property(fc.array(memberList, { minLength: 1, maxLength: 8 }), (lists) => {
        const balancer = createBalancer(kind);
        for (const members of lists) tally(balancer, members, 5);
      }),
    );
  });

  it('returns undefined for an empty list, before and after picking from others', () => {
    const balancer = createBalancer(kind);
    expect(balancer.pick([])).toBeUndefined();
    const members = [member('a'), member('b')];
    tally(balancer, members, 10);
    expect(balancer.pick([])).toBeUndefined();
  });

  it('chooses every member over many picks, whatever its weight', () => {
    const balancer = createBalancer(kind);
    const members = [member('a', 1), member('b', 3), member('c', 1000), member('d', 7)];
    const counts = tally(balancer, members, 20_000);
    for (const { id } of members) expect(counts.get(id), id).toBeGreaterThan(0);
  });

  it('always chooses a single member', () => {
    const balancer = createBalancer(kind);
    const only = member('only', 5);
    for (let i = 0; i < 100; i++) expect(balancer.pick([only])).toBe(only);
  });

  it('follows the member list as it changes between calls', () => {
    const balancer = createBalancer(kind);
    const [a, b, c, d] = [member('a'), member('b', 2), member('c'), member('d', 3)];
    const phases: Upstream[][] = [[a, b, c], [a, c], [], [c, b, d], [d], [d, a]];
    for (const members of phases) {
      const counts = tally(balancer, members, 2000);
      expect([...counts.keys()].sort()).toEqual(members.map((m) => m.id).sort());
    }
  });
});

describe('createBalancer', () => {
  it('rejects an unknown strategy with a message naming the valid ones', () => {
    expect(() => createBalancer('random' as LoadBalancing)).toThrow(
      'loadBalancing must be "round-robin", "weighted" or "least-connections", got "random"',
    );
  });
});
