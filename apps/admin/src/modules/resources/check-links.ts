import { policies, sites, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { ofOrg } from '../org-rows.js';

/** The policy and site a resource names (undefined: unchanged, null: none). */
export interface ResourceLinks {
  readonly policyId?: string | null | undefined;
  readonly siteId?: string | null | undefined;
}

const invalid = (field: string, message: string) =>
  errors.validation.create(`${field}: ${message}`, { details: { errors: [{ field, message }] } });

/**
 * Checks that the policy and site a resource names belong to `orgId`, else 400 naming the field, with the same
 * words whether the id exists in another organisation or nowhere, so ids of other orgs reveal nothing.
 *
 * The rows are locked `FOR KEY SHARE` until the transaction ends: a concurrent delete of the policy or site
 * (which locks it `FOR UPDATE` and then counts its resources) waits for this change, and sees it, rather than
 * deleting a policy a resource is about to use.
 */
export async function checkLinks(tx: DrizzleDatabase, orgId: string, links: ResourceLinks): Promise<void> {
  if (typeof links.policyId === 'string') {
    const [found] = await tx
      .select({ id: policies.id })
      .from(policies)
      .where(ofOrg(policies, orgId, links.policyId))
      .for('key share');
    if (found === undefined) throw invalid('body.policyId', 'no such policy in this organisation');
  }
  if (typeof links.siteId === 'string') {
    const [found] = await tx
      .select({ id: sites.id })
      .from(sites)
      .where(ofOrg(sites, orgId, links.siteId))
      .for('key share');
    if (found === undefined) throw invalid('body.siteId', 'no such site in this organisation');
  }
}
