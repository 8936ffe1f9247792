import { gateways, organizations } from '@rustronaut/db';
import { and, asc, eq } from 'drizzle-orm';
import type { AdminContext } from '../../context.js';
import type { ChangeSource } from '../change-source.js';
import { createGateway, issueEnrolToken } from './service.js';

/** Names of the gateway and the tunnel hub that `rustronaut start` runs in the same process. */
const LOCAL_NAMES = { gateway: 'local', hub: 'local-hub' } as const;

/**
 * A fresh one-time enrolment token for the all-in-one gateway (`kind` `gateway`, named `local`) or tunnel hub
 * (`hub`, named `local-hub`) of the first organisation (the one created with the first owner), created when
 * missing. Undefined while no organisation exists yet (the setup link has not been used). The agent then enrols
 * like any other, over the same endpoint.
 */
export async function localAgentEnrolToken(ctx: AdminContext, kind: 'gateway' | 'hub'): Promise<string | undefined> {
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
    .where(and(eq(gateways.orgId, org.id), eq(gateways.name, LOCAL_NAMES[kind])));
  const issued =
    existing === undefined
      ? await createGateway(ctx, org.id, LOCAL_NAMES[kind], source, kind)
      : await issueEnrolToken(ctx, org.id, existing.id, source);
  return issued.enrolToken;
}
