import { checkName, fail } from './check.js';
import { shown } from './format.js';

/**
 * Every permission of the admin API, as `<noun>:<action>`. Sessions are created by signing in, never granted,
 * so they only have `read` and `delete` (revoke); API keys and uploaded certificates cannot be changed, only
 * deleted and created again.
 */
export const PERMISSIONS = [
  'resource:read',
  'resource:create',
  'resource:update',
  'resource:delete',
  'policy:read',
  'policy:create',
  'policy:update',
  'policy:delete',
  'site:read',
  'site:create',
  'site:update',
  'site:delete',
  'gateway:read',
  'gateway:create',
  'gateway:update',
  'gateway:delete',
  'device:read',
  'device:create',
  'device:delete',
  'certificate:read',
  'certificate:create',
  'certificate:delete',
  'member:read',
  'member:create',
  'member:update',
  'member:delete',
  'role:read',
  'role:create',
  'role:update',
  'role:delete',
  'apikey:read',
  'apikey:create',
  'apikey:delete',
  'session:read',
  'session:delete',
  'audit:read',
  'org:read',
  'org:update',
  'org:delete',
] as const;

/** One permission of `PERMISSIONS`. */
export type Permission = (typeof PERMISSIONS)[number];

/** The roles every organisation has. */
export type BuiltInRole = 'owner' | 'admin' | 'operator' | 'viewer';

/** A role an organisation defines as a set of permissions. */
export interface CustomRole {
  /** Unique in the organisation, and not the name of a built-in role. */
  readonly name: string;
  readonly permissions: readonly string[];
}

const KNOWN: ReadonlySet<string> = new Set(PERMISSIONS);
/** The nouns whose read, create, update and delete an operator holds. */
const OPERATED = ['resource', 'policy', 'site', 'gateway', 'device', 'certificate'];

const byRule = (keep: (permission: Permission) => boolean): readonly Permission[] =>
  Object.freeze(PERMISSIONS.filter(keep));

/**
 * The permissions of each built-in role (docs/rbac.md renders this table with `renderRoleTable`):
 * - owner: everything;
 * - admin: everything but deleting the organisation;
 * - operator: reads and writes resources, policies, sites, gateways, devices and uploaded certificates; reads members
 *   and the organisation;
 * - viewer: every `read` permission, nothing else.
 */
export const BUILT_IN_ROLES: Readonly<Record<BuiltInRole, readonly Permission[]>> = Object.freeze({
  owner: byRule(() => true),
  admin: byRule((permission) => permission !== 'org:delete'),
  operator: byRule(
    (permission) =>
      OPERATED.includes(permission.slice(0, permission.indexOf(':'))) ||
      permission === 'member:read' ||
      permission === 'org:read',
  ),
  viewer: byRule((permission) => permission.endsWith(':read')),
});

const BUILT_IN_SETS: ReadonlyMap<string, ReadonlySet<Permission>> = new Map(
  Object.entries(BUILT_IN_ROLES).map(([name, permissions]) => [name, new Set(permissions)]),
);

/** Whether `value` is one of `PERMISSIONS`. */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && KNOWN.has(value);
}

/** An organisation's custom roles, validated; see `compileRoleCatalog`. */
export interface RoleCatalog {
  /** The permissions of the custom role `name`, or `undefined` when there is none. */
  permissionsOf(name: string): ReadonlySet<Permission> | undefined;
}

/**
 * Validates an organisation's custom roles once (per snapshot or request), for `hasPermission` and
 * `permissionsOf`. Throws a `PolicyError` naming the field (`customRoles[1].permissions[2]`) for an unknown
 * permission, a name that is empty, repeated or that of a built-in role.
 */
export function compileRoleCatalog(customRoles: readonly CustomRole[]): RoleCatalog {
  if (!Array.isArray(customRoles)) fail('customRoles', `must be an array, got ${shown(customRoles)}`);
  const roles = new Map<string, ReadonlySet<Permission>>();
  (customRoles as readonly unknown[]).forEach((role, i) => {
    const field = `customRoles[${String(i)}]`;
    if (typeof role !== 'object' || role === null) fail(field, `must be an object, got ${shown(role)}`);
    const { name, permissions } = role as Partial<CustomRole>;
    const checked = checkName(name, `${field}.name`);
    if (BUILT_IN_SETS.has(checked)) fail(`${field}.name`, `${shown(checked)} is a built-in role`);
    if (roles.has(checked)) fail(`${field}.name`, `${shown(checked)} is defined twice`);
    if (!Array.isArray(permissions)) fail(`${field}.permissions`, `must be an array, got ${shown(permissions)}`);
    const set = new Set<Permission>();
    (permissions as readonly unknown[]).forEach((permission, j) => {
      if (!isPermission(permission)) {
        fail(`${field}.permissions[${String(j)}]`, `${shown(permission)} is not a known permission`);
      }
      set.add(permission);
    });
    roles.set(checked, set);
  });
  return Object.freeze({ permissionsOf: (name: string) => roles.get(name) });
}

function roleSet(role: string, catalog: RoleCatalog | undefined): ReadonlySet<Permission> | undefined {
  return BUILT_IN_SETS.get(role) ?? catalog?.permissionsOf(role);
}

/**
 * Whether any of `roles` grants `permission`. Built-in roles are looked up first, then `customRoles`;
 * a role that is neither (deleted since) grants nothing.
 */
export function hasPermission(roles: readonly string[], permission: Permission, customRoles?: RoleCatalog): boolean {
  for (const role of roles) if (roleSet(role, customRoles)?.has(permission) === true) return true;
  return false;
}

/** Everything `roles` grant together, as a new set. */
export function permissionsOf(roles: readonly string[], customRoles?: RoleCatalog): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) for (const permission of roleSet(role, customRoles) ?? []) granted.add(permission);
  return granted;
}

/**
 * Whether every one of `permissions` is a known permission held in `of`: an API key may only receive a
 * subset of its creator's permissions (`isSubsetOf(requested, permissionsOf(creator.roles, catalog))`).
 */
export function isSubsetOf(permissions: Iterable<string>, of: Iterable<string>): boolean {
  const held = of instanceof Set ? (of as ReadonlySet<string>) : new Set(of);
  for (const permission of permissions) if (!isPermission(permission) || !held.has(permission)) return false;
  return true;
}

/** The role-permission table in Markdown (a column per built-in role), for docs/rbac.md and the README. */
export function renderRoleTable(): string {
  const roles = Object.keys(BUILT_IN_ROLES) as BuiltInRole[];
  const lines = [`| permission | ${roles.join(' | ')} |`, `| --- | ${roles.map(() => ':---:').join(' | ')} |`];
  for (const permission of PERMISSIONS) {
    const marks = roles.map((role) => (BUILT_IN_SETS.get(role)?.has(permission) === true ? '✓' : ''));
    lines.push(`| \`${permission}\` | ${marks.join(' | ')} |`);
  }
  return lines.join('\n');
}
