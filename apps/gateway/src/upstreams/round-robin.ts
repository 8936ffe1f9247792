import type { Balancer, Upstream } from './types.js';

/**
 * Smooth weighted round-robin, as nginx's upstream module does it: on every pick each member's current weight
 * grows by its weight, the largest wins and drops by the total. Weights 1 and 2 give `B A B B A B …`, never
 * `A B B A B B` bursts; equal weights give plain round-robin.
 *
 * State is keyed by member id, not by position, so members leaving and joining (health changes) or a reordered
 * list do not reset anyone's turn. Ids come from one upstream set, so the map never outgrows the set.
 */
export function createRoundRobinBalancer(): Balancer {
  const current = new Map<string, { weight: number }>();
  return {
    pick(members: readonly Upstream[]): Upstream | undefined {
      let total = 0;
      let best: Upstream | undefined;
      let bestState: { weight: number } | undefined;
      for (const member of members) {
        let state = current.get(member.id);
        if (state === undefined) {
          state = { weight: 0 };
          current.set(member.id, state);
        }
        state.weight += member.weight;
        total += member.weight;
        if (bestState === undefined || state.weight > bestState.weight) {
          best = member;
          bestState = state;
        }
      }
      if (bestState !== undefined) bestState.weight -= total;
      return best;
    },
  };
}
