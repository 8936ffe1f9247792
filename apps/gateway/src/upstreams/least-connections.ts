import type { Balancer, Upstream } from './types.js';

/**
 * Fewest requests in flight for its weight, as nginx's `least_conn` and HAProxy's `leastconn` weigh it:
 * `a.active / a.weight < b.active / b.weight`, compared cross-multiplied so no division is needed. A member of
 * weight 2 is thus given twice the concurrent requests of one of weight 1, and an idle member always beats a busy
 * one. Ties (all idle, say) go in turn, starting after the last member chosen, so equal members share the load
 * even when requests never overlap.
 */
export function createLeastConnectionsBalancer(): Balancer {
  // Position after the last pick; taken modulo the list length, which changes with health.
  let next = 0;
  return {
    pick(members: readonly Upstream[]): Upstream | undefined {
      const count = members.length;
      if (count === 0) return undefined;
      const start = next % count;
      let best: Upstream | undefined;
      let bestIndex = 0;
      let bestTurn = 0;
      let index = -1;
      for (const member of members) {
        index++;
        // How many places after `start` this member sits: the lower, the sooner its turn on a tie.
        const turn = (index - start + count) % count;
        if (best !== undefined) {
          const busier = member.active * best.weight - best.active * member.weight;
          if (busier > 0 || (busier === 0 && turn > bestTurn)) continue;
        }
        best = member;
        bestIndex = index;
        bestTurn = turn;
      }
      next = bestIndex + 1;
      return best;
    },
  };
}
