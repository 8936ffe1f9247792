import { gateways, organizations } from '@rustronaut/db';
import { and, asc, eq } from 'drizzle-orm';
import type { AdminContext } from '../../context.js';
import type { ChangeSource } from '../change-source.js';
import { createGateway, issueEnrolToken } from './service.js';

/** Name of the gateway that `rustronaut start` runs in the same process. */
export const LOCAL_GATEWAY_NAME = 'local';

/**
 * A fresh one-time enrolment token for the all-in-one gateway: the gateway named `local` of the first organisation
 * (the one created with the first owner), created when missing. Undefined while no organisation exists yet (the
 * setup link has not been used). The gateway then enrols like any other, over the same endpoint.
 */
export async function localGatewayEnrolToken(ctx: AdminContext): Promise<string | undefined> {
  const [org] = await ctx.db
    .select({ id: organizations.id })
    .from(organizations)
    .orderBy(asc(organizations.id))
    .limit(1);
  if (org === undefined) return undefined;
  const source: ChangeSource = { actor: { type: 'system', id: null }, ip: '' };
  const [existing] = await ctx.db
    .select({ id: gateways.id })
    .from(gateways)
    .where(and(eq(gateways.orgId, org.id), eq(gateways.name, LOCAL_GATEWAY_NAME)));
  const issued =
    existing === undefined
      ? await createGateway(ctx, org.id, LOCAL_GATEWAY_NAME, source)
      : await issueEnrolToken(ctx, org.id, existing.id, source);
  return issued.enrolToken;
}
