import type { DrizzleDatabase } from '@rustronaut/db';
import type { AdminContext } from '../context.js';
import { bumpConfigVersion } from '../control/config-changes.js';

/**
 * Runs `work` in a transaction that also bumps the org's config version, then tells the control channel once
 * the transaction has committed: for every change of something a gateway serves (resources, policies, sites,
 * memberships and roles).
 */
export async function changeConfig<T>(
  ctx: AdminContext,
  orgId: string,
  work: (tx: DrizzleDatabase) => Promise<T>,
): Promise<T> {
  const result = await ctx.db.transaction(async (tx) => {
    const value = await work(tx);
    await bumpConfigVersion(tx, orgId);
    return value;
  });
  ctx.changes.notify(orgId);
  return result;
}
