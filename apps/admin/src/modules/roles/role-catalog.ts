import { memberships, roles, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import {
  BUILT_IN_ROLES,
  compileRoleCatalog,
  isPermission,
  permissionsOf,
  type Permission,
  type RoleCatalog,
} from '@rustronaut/policy';
import { and, count, eq, sql } from 'drizzle-orm';

const PERMISSION_FIELD = /^customRoles\[0\]\.permissions\[(\d+)\]$/;

/** Whether `name` is a built-in role (owner, admin, operator, viewer). */
export const isBuiltInRole = (name: string): boolean => Object.hasOwn(BUILT_IN_ROLES, name);

/**
 * `permissions` as known permissions, without repeats; 400 `ERR_POLICY_INVALID` naming the field
 * (`body.permissions.2`) for one that is not. Checked by the same compiler that reads stored roles.
 */
export function checkPermissions(permissions: readonly string[], field: string): Permission[] {
  try {
    compileRoleCatalog([{ name: 'checked', permissions }]);
  } catch (err) {
    const policyError = err as { code?: unknown; field?: unknown; message?: unknown };
    if (policyError.code !== 'ERR_POLICY_INVALID' || typeof policyError.field !== 'string') throw err;
    const index = PERMISSION_FIELD.exec(policyError.field)?.[1];
    const named = index === undefined ? field : `${field}.${index}`;
    const message = String(policyError.message).replace(/^[^:]*: /, '');
    throw errors.policyInvalid.create(`${named}: ${message}`, { details: { errors: [{ field: named, message }] } });
  }
  // Every one is known by now; the filter only narrows the type.
  return [...new Set(permissions)].filter(isPermission);
}

/** The organisation's custom roles, compiled (read inside the transaction of a change, after `lockOrg`). */
export async function orgRoleCatalog(db: DrizzleDatabase, orgId: string): Promise<RoleCatalog> {
  const rows = await db
    .select({ name: roles.name, permissions: roles.permissions })
    .from(roles)
    .where(eq(roles.orgId, orgId));
  return compileRoleCatalog(rows);
}

/**
 * What `names` grant together; 400 naming the field (`body.roles.1`) for a name that is neither a built-in role
 * nor a custom role of the organisation.
 */
export function grantOf(names: readonly string[], catalog: RoleCatalog, field: string): Set<Permission> {
  const unknown = names.flatMap((name, i) =>
    isBuiltInRole(name) || catalog.permissionsOf(name) !== undefined
      ? []
      : [{ field: `${field}.${String(i)}`, message: `"${name}" is not a role of this organisation` }],
  );
  if (unknown.length > 0) {
    throw errors.validation.create('unknown role', { details: { errors: unknown } });
  }
  return permissionsOf(names, catalog);
}

/**
 * Refuses (403) unless the caller holds every one of `permissions`: nobody hands out, or takes away, access they
 * do not have themselves. `what` completes "you cannot ...".
 */
export function requireHeld(permissions: Iterable<Permission>, held: ReadonlySet<Permission>, what: string): void {
  const missing = [...permissions].filter((permission) => !held.has(permission));
  if (missing.length > 0) {
    throw errors.forbidden.create(`you cannot ${what}: it needs permissions you do not hold (${missing.join(', ')})`);
  }
}

/** How many members of the org hold the role `name` (`active`: only those not suspended). */
export async function roleHolderCount(
  db: DrizzleDatabase,
  orgId: string,
  name: string,
  holders: 'all' | 'active' = 'all',
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(memberships)
    .where(
      and(
        eq(memberships.orgId, orgId),
        sql`${memberships.roles} @> ${JSON.stringify([name])}::jsonb`,
        holders === 'active' ? eq(memberships.disabled, false) : undefined,
      ),
    );
  return row?.n ?? 0;
}
