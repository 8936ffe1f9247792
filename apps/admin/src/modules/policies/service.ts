import type { CreatePolicyRequest, PolicyView, UpdatePolicyRequest } from '@rustronaut/contracts';
import { newId, policies, resources } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { count, eq } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { iso } from '../../http/views.js';
import type { ChangeSource } from '../change-source.js';
import { changeConfig } from '../config-change.js';
import { compileRules } from './compile-rules.js';
import { ofOrg, oneOfOrg, pageOfOrg } from '../org-rows.js';

type PolicyRow = typeof policies.$inferSelect;

/** A policy row as the API shows it. */
export function policyViewOf(row: PolicyRow): PolicyView {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    description: row.description,
    rules: row.rules,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const notFound = () => errors.notFound.create('no such policy');

/** A page of an org's policies in id order, after `after`; `limit + 1` rows, for `pageOf`. */
export function listPolicies(ctx: AdminContext, orgId: string, after: string | undefined, limit: number) {
  return pageOfOrg(ctx.db, policies, orgId, after, limit);
}

/** One policy of the org; 404 when it does not exist or belongs to another org. */
export function getPolicy(ctx: AdminContext, orgId: string, policyId: string): Promise<PolicyRow> {
  return oneOfOrg(ctx.db, policies, orgId, policyId, notFound);
}

/** Creates a policy after compiling its rules; 409 when the name is taken in the org. */
export async function createPolicy(
  ctx: AdminContext,
  orgId: string,
  input: CreatePolicyRequest,
  source: ChangeSource,
): Promise<PolicyRow> {
  compileRules(input.rules);
  return changeConfig(ctx, orgId, async (tx) => {
    const id = newId();
    const [row] = await tx
      .insert(policies)
      .values({ id, orgId, name: input.name, description: input.description, rules: input.rules })
      .returning();
    if (row === undefined) throw new Error('insert returned no row');
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'policy.create',
      targetType: 'policy',
      targetId: id,
      ip: source.ip,
      data: { name: input.name, description: input.description, rules: input.rules },
    });
    return row;
  });
}

/** Changes a policy; new rules are compiled first. */
export async function updatePolicy(
  ctx: AdminContext,
  orgId: string,
  policyId: string,
  patch: UpdatePolicyRequest,
  source: ChangeSource,
): Promise<PolicyRow> {
  if (patch.rules !== undefined) compileRules(patch.rules);
  const given = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  return changeConfig(ctx, orgId, async (tx) => {
    const [row] = await tx
      .update(policies)
      .set({ ...given, updatedAt: ctx.now() })
      .where(ofOrg(policies, orgId, policyId))
      .returning();
    if (row === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'policy.update',
      targetType: 'policy',
      targetId: policyId,
      ip: source.ip,
      data: given,
    });
    return row;
  });
}

/**
 * Deletes a policy; 409 while a resource uses it (removing it would silently change who may reach the
 * resource). The policy row is locked first, so a resource being linked to it concurrently is counted.
 */
export async function deletePolicy(
  ctx: AdminContext,
  orgId: string,
  policyId: string,
  source: ChangeSource,
): Promise<void> {
  await changeConfig(ctx, orgId, async (tx) => {
    const [row] = await tx
      .select({ name: policies.name })
      .from(policies)
      .where(ofOrg(policies, orgId, policyId))
      .for('update');
    if (row === undefined) throw notFound();
    const [used] = await tx.select({ n: count() }).from(resources).where(eq(resources.policyId, policyId));
    const n = used?.n ?? 0;
    if (n > 0) {
      throw errors.conflict.create(
        `the policy is used by ${String(n)} resource${n === 1 ? '' : 's'}; give them another policy first`,
      );
    }
    await tx.delete(policies).where(eq(policies.id, policyId));
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'policy.delete',
      targetType: 'policy',
      targetId: policyId,
      ip: source.ip,
      data: { name: row.name },
    });
  });
}
