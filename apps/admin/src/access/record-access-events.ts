import type { AccessEvent } from '@rustronaut/contracts';
import { recordAudit } from '../audit/record-audit.js';
import type { AdminContext } from '../context.js';

/** Audit action of a reported decision: a block of a source address is its own event. */
const actionOf = (event: AccessEvent): string =>
  event.reason === 'source_blocked' ? 'access.blocked' : event.allowed ? 'access.allowed' : 'access.denied';

/**
 * Writes a gateway's batch of access decisions to the org's audit chain in one transaction: all of the batch
 * or none (the gateway sends it again). The actor is the user when one was authenticated, else the gateway.
 */
export async function recordAccessEvents(
  ctx: AdminContext,
  agent: { readonly orgId: string; readonly gatewayId: string },
  events: readonly AccessEvent[],
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    for (const e of events) {
      await recordAudit(tx, {
        orgId: agent.orgId,
        actor: e.userId === null ? { type: 'agent', id: agent.gatewayId } : { type: 'user', id: e.userId },
        action: actionOf(e),
        targetType: 'resource',
        targetId: e.resourceId,
        ip: e.ip,
        data: {
          at: e.at,
          gateway: agent.gatewayId,
          reason: e.reason,
          rule: e.ruleId,
          authMethod: e.authMethod,
          method: e.method,
          host: e.host,
          path: e.path,
          status: e.status,
          ...(e.count > 1 ? { count: e.count, lastAt: e.lastAt } : {}),
        },
      });
    }
  });
}
