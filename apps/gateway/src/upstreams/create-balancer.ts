import { createLeastConnectionsBalancer } from './least-connections.js';
import { shown } from './option-checks.js';
import { createRoundRobinBalancer } from './round-robin.js';
import type { Balancer, LoadBalancing } from './types.js';
import { createWeightedBalancer } from './weighted.js';

/**
 * Builds the balancer named by a route's `loadBalancing`. `random` (a number in `[0, 1)`) is used by `weighted`
 * only; tests pass a seeded one. One balancer belongs to one upstream set: it keeps per-member state.
 */
export function createBalancer(kind: LoadBalancing, random?: () => number): Balancer {
  switch (kind) {
    case 'round-robin':
      return createRoundRobinBalancer();
    case 'weighted':
      return createWeightedBalancer(random);
    case 'least-connections':
      return createLeastConnectionsBalancer();
    default:
      throw new TypeError(`loadBalancing must be "round-robin", "weighted" or "least-connections", got ${shown(kind)}`);
  }
}
