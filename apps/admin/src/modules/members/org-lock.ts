import { organizations, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { eq } from 'drizzle-orm';
import type { AdminContext } from '../../context.js';
import { changeConfig } from '../config-change.js';

/**
 * Locks the organisation's row until the transaction ends, so changes to its memberships and roles run one at a
 * time: without it, two owners demoting each other at once would both see "another owner is left", and a role
 * could be assigned while it is being deleted. 404 when the org is gone.
 */
export async function lockOrg(tx: DrizzleDatabase, orgId: string): Promise<void> {
  const [row] = await tx
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, orgId))
    .for('update');
  if (row === undefined) throw errors.notFound.create('no such organisation');
}

/**
 * Runs `work` as a change of who may do what in the org: with the org locked first (`lockOrg`), in a transaction
 * that bumps the config version, gateways told after the commit (`changeConfig`).
 */
export function changeAccess<T>(
  ctx: AdminContext,
  orgId: string,
  work: (tx: DrizzleDatabase) => Promise<T>,
): Promise<T> {
  return changeConfig(ctx, orgId, async (tx) => {
    await lockOrg(tx, orgId);
    return work(tx);
  });
}
