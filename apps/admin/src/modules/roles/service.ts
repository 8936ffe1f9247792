import type { RoleView } from '@rustronaut/contracts';
import { newId, roles, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { BUILT_IN_ROLES, isPermission, type BuiltInRole } from '@rustronaut/policy';
import { and, asc, eq, gt } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { cursorId } from '../../http/pagination.js';
import { iso } from '../../http/views.js';
import type { Caller } from '../members/caller.js';
import { changeAccess } from '../members/org-lock.js';
import { checkPermissions, isBuiltInRole, requireHeld, roleHolderCount } from './role-catalog.js';

type RoleRow = typeof roles.$inferSelect;

/** What each built-in role is for, shown by `GET /roles`. */
const BUILT_IN_DESCRIPTIONS: Readonly<Record<BuiltInRole, string>> = {
  owner: 'Everything, including deleting the organisation and transferring its ownership.',
  admin: 'Everything but deleting the organisation and transferring its ownership.',
  operator: 'Manages resources, policies, sites and gateways; reads members and the organisation.',
  viewer: 'Reads everything, changes nothing.',
};

const BUILT_IN_VIEWS: readonly RoleView[] = (Object.keys(BUILT_IN_ROLES) as BuiltInRole[]).map((name) => ({
  id: name,
  name,
  description: BUILT_IN_DESCRIPTIONS[name],
  permissions: [...BUILT_IN_ROLES[name]],
  builtIn: true,
  createdAt: null,
  updatedAt: null,
}));

/** A custom role row as the API shows it. */
export function roleViewOf(row: RoleRow): RoleView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    permissions: row.permissions,
    builtIn: false,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const notFound = () => errors.notFound.create('no such role');
const fixed = () => errors.conflict.create('built-in roles are fixed: they cannot be changed or deleted');

/**
 * `limit + 1` roles after `cursor`, for `pageOf`: the built-in roles first (their id is their name), then the
 * org's custom roles in id order. A cursor is the last id of a page, so it is a built-in name or a UUID.
 */
export async function listRoles(
  ctx: AdminContext,
  orgId: string,
  cursor: string | undefined,
  limit: number,
): Promise<RoleView[]> {
  const decoded = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('latin1');
  const builtInAfter = BUILT_IN_VIEWS.findIndex((role) => role.id === decoded);
  const builtIns =
    cursor === undefined ? BUILT_IN_VIEWS : builtInAfter >= 0 ? BUILT_IN_VIEWS.slice(builtInAfter + 1) : [];
  const after = cursor === undefined || builtInAfter >= 0 ? undefined : cursorId(cursor);
  const page = builtIns.slice(0, limit + 1);
  const rows = await ctx.db
    .select()
    .from(roles)
    .where(and(eq(roles.orgId, orgId), after === undefined ? undefined : gt(roles.id, after)))
    .orderBy(asc(roles.id))
    .limit(limit + 1 - page.length);
  return [...page, ...rows.map(roleViewOf)];
}

/** One role of the org by id or name (built-in roles by name); 404 when there is none in this org. */
export async function getRole(ctx: AdminContext, orgId: string, idOrName: string): Promise<RoleView> {
  const builtIn = BUILT_IN_VIEWS.find((role) => role.name === idOrName);
  if (builtIn !== undefined) return builtIn;
  return roleViewOf(await customRole(ctx.db, orgId, idOrName));
}

async function customRole(db: DrizzleDatabase, orgId: string, idOrName: string): Promise<RoleRow> {
  const [row] = await db
    .select()
    .from(roles)
    .where(and(eq(roles.orgId, orgId), UUID.test(idOrName) ? eq(roles.id, idOrName) : eq(roles.name, idOrName)));
  if (row === undefined) throw notFound();
  return row;
}

/** Input of a new custom role. */
export interface RoleInput {
  readonly name: string;
  readonly description?: string | undefined;
  readonly permissions: readonly string[];
}

/** Creates a custom role; the caller must hold every permission it grants. */
export async function createRole(ctx: AdminContext, caller: Caller, input: RoleInput): Promise<RoleView> {
  if (isBuiltInRole(input.name)) throw errors.conflict.create(`"${input.name}" is a built-in role`);
  const permissions = checkPermissions(input.permissions, 'body.permissions');
  requireHeld(permissions, caller.held, 'create a role with these permissions');
  const row = await changeAccess(ctx, caller.orgId, async (tx) => {
    const now = ctx.now();
    const [created] = await tx
      .insert(roles)
      .values({
        id: newId(),
        orgId: caller.orgId,
        name: input.name,
        description: input.description ?? '',
        permissions,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (created === undefined) throw new Error('insert returned no row');
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'role.create',
      targetType: 'role',
      targetId: created.id,
      ip: caller.ip,
      data: { name: created.name, permissions },
    });
    return created;
  });
  return roleViewOf(row);
}

/**
 * Changes a custom role. The caller must hold its old and its new permissions (changing a role changes what its
 * members may do); a role still assigned to members keeps its name, because memberships refer to it by name.
 */
export async function updateRole(
  ctx: AdminContext,
  caller: Caller,
  idOrName: string,
  input: Partial<RoleInput>,
): Promise<RoleView> {
  if (isBuiltInRole(idOrName)) throw fixed();
  if (input.name !== undefined && isBuiltInRole(input.name)) {
    throw errors.conflict.create(`"${input.name}" is a built-in role`);
  }
  const permissions =
    input.permissions === undefined ? undefined : checkPermissions(input.permissions, 'body.permissions');
  const row = await changeAccess(ctx, caller.orgId, async (tx) => {
    const current = await customRole(tx, caller.orgId, idOrName);
    requireHeld(current.permissions.filter(isPermission), caller.held, 'change a role with permissions you lack');
    if (permissions !== undefined) requireHeld(permissions, caller.held, 'give a role these permissions');
    const renamed = input.name !== undefined && input.name !== current.name;
    if (renamed && (await roleHolderCount(tx, caller.orgId, current.name)) > 0) {
      throw errors.conflict.create(
        `the role "${current.name}" is assigned to members, who refer to it by name: unassign it before renaming it`,
      );
    }
    const [updated] = await tx
      .update(roles)
      .set({
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.description === undefined ? {} : { description: input.description }),
        ...(permissions === undefined ? {} : { permissions }),
        updatedAt: ctx.now(),
      })
      .where(eq(roles.id, current.id))
      .returning();
    if (updated === undefined) throw notFound();
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'role.update',
      targetType: 'role',
      targetId: current.id,
      ip: caller.ip,
      data: {
        name: updated.name,
        ...(renamed ? { previousName: current.name } : {}),
        ...(permissions === undefined ? {} : { permissions, previousPermissions: current.permissions }),
        ...(input.description === undefined ? {} : { description: input.description }),
      },
    });
    return updated;
  });
  return roleViewOf(row);
}

/** Deletes a custom role that no member holds (409 while one does). */
export async function deleteRole(ctx: AdminContext, caller: Caller, idOrName: string): Promise<void> {
  if (isBuiltInRole(idOrName)) throw fixed();
  await changeAccess(ctx, caller.orgId, async (tx) => {
    const current = await customRole(tx, caller.orgId, idOrName);
    const holders = await roleHolderCount(tx, caller.orgId, current.name);
    if (holders > 0) {
      throw errors.conflict.create(
        `the role "${current.name}" is assigned to ${String(holders)} member(s): change their roles first`,
      );
    }
    await tx.delete(roles).where(eq(roles.id, current.id));
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'role.delete',
      targetType: 'role',
      targetId: current.id,
      ip: caller.ip,
      data: { name: current.name, permissions: current.permissions },
    });
  });
}
