import type { Balancer, Upstream } from './types.js';

/**
 * Random choice in proportion to weight. Stateless, so gateways that share upstreams do not fall into step;
 * `random` returns a number in `[0, 1)` (injected so tests can seed it).
 */
export function createWeightedBalancer(random: () => number = Math.random): Balancer {
  if (typeof random !== 'function') throw new TypeError('weighted balancer: random must be a function');
  return {
    pick(members: readonly Upstream[]): Upstream | undefined {
      let total = 0;
      for (const member of members) total += member.weight;
      let point = random() * total;
      for (const member of members) {
        point -= member.weight;
        if (point < 0) return member;
      }
      // Reached for an empty list (undefined), or if `random` returned 1 or more: the last member.
      return members.at(-1);
    },
  };
}
