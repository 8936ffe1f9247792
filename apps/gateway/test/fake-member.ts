import type { Upstream } from '../src/upstreams/types.js';

/**
 * A stand-in upstream member for balancer tests: balancers read only id, weight and `active` (which the test
 * sets, as acquire/release would). Real members are tested with the upstream set.
 */
export const fakeMember = (id: string, weight = 1, active = 0): Upstream & { active: number } => ({
  id,
  host: '127.0.0.1',
  port: 8000,
  weight,
  active,
  available: true,
  acquire: () => () => undefined,
  report: () => undefined,
});
