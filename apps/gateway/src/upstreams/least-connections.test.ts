import { describe, expect, it } from 'vitest';
import { fakeMember } from '../../test/fake-member.js';
import { createLeastConnectionsBalancer } from './least-connections.js';

const member = fakeMember;

describe('least-connections balancer', () => {
  it('prefers the idle member', () => {
    const balancer = createLeastConnectionsBalancer();
    const members = [member('a', 1, 2), member('b', 1, 0), member('c', 1, 1)];
    for (let i = 0; i < 5; i++) expect(balancer.pick(members)?.id).toBe('b');
  });

  it('lets equal members take turns when requests never overlap', () => {
    const balancer = createLeastConnectionsBalancer();
    const members = [member('a'), member('b'), member('c')];
    let order = '';
    for (let i = 0; i < 9; i++) order += balancer.pick(members)?.id;
    expect(order).toBe('abcabcabc');
  });

  it('gives a member of weight 2 twice the requests in flight of one of weight 1', () => {
    const balancer = createLeastConnectionsBalancer();
    const members = [member('light', 1), member('heavy', 2)];
    // Requests that all stay in flight: each pick adds one to the chosen member's load.
    for (let i = 0; i < 30; i++) {
      const chosen = members.find((m) => m === balancer.pick(members));
      if (chosen !== undefined) chosen.active++;
    }
    expect(members.map((m) => m.active)).toEqual([10, 20]);
  });

  it('sends the next request to whichever member finished its work first', () => {
    const balancer = createLeastConnectionsBalancer();
    const [a, b] = [member('a', 1, 3), member('b', 1, 3)];
    a.active = 1;
    expect(balancer.pick([a, b])).toBe(a);
    b.active = 0;
    expect(balancer.pick([a, b])).toBe(b);
  });
});
