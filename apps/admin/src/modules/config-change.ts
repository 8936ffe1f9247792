import { memberships, type DrizzleDatabase } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
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

/**
 * Tells the control channel at once about every org of a user whose sessions just ended (the transaction that
 * revoked them bumped those orgs' versions), so gateways drop the sessions' cookies without waiting for a poll.
 */
export async function notifyOrgsOfUser(ctx: AdminContext, userId: string): Promise<void> {
  const rows = await ctx.db
    .select({ orgId: memberships.orgId })
    .from(memberships)
    .where(eq(memberships.userId, userId));
  for (const { orgId } of rows) ctx.changes.notify(orgId);
}
