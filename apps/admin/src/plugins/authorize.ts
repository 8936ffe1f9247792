import { memberships, roles } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { compileRoleCatalog, permissionsOf, type CustomRole, type Permission } from '@rustronaut/policy';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyRequest, onRequestAsyncHookHandler, preValidationAsyncHookHandler } from 'fastify';
import type { AuditActor } from '../audit/record-audit.js';
import type { OrgScope, Principal } from '../auth/principal.js';
import type { AdminContext } from '../context.js';
import { isUuid, requirePrincipal } from './authenticate.js';

/** Route options of an org-scoped route: what `orgRoute()` returns, spread into the route's options. */
export interface OrgRouteOptions {
  /** The permission, also read by the RBAC matrix test and docs/rbac.md. */
  readonly config: { readonly permission: Permission };
  /** 401 before anything else (validation included) when the request has no credentials. */
  readonly onRequest: onRequestAsyncHookHandler;
  /**
   * Membership and permission check, before the body is validated (so outsiders learn nothing, not even the
   * schema): 404 outside the org, 403 without the permission.
   */
  readonly preValidation: preValidationAsyncHookHandler;
}

/** What the caller may do in `orgId`, or undefined when it is no member (or a key of another org). */
export async function orgPermissions(
  ctx: AdminContext,
  principal: Principal,
  orgId: string,
): Promise<ReadonlySet<Permission> | undefined> {
  if (principal.type === 'api_key') {
    if (principal.orgId !== orgId) return undefined;
    if (principal.createdBy === null) return principal.permissions;
    // A key never holds more than its creator still holds in the org.
    const creator = await memberPermissions(ctx, orgId, principal.createdBy);
    return new Set([...principal.permissions].filter((p) => creator?.has(p) === true));
  }
  return memberPermissions(ctx, orgId, principal.userId);
}

/** Runs on every org-scoped request: prepared once per database. */
const membershipQueries = new WeakMap<AdminContext['db'], ReturnType<typeof prepareMembership>>();

// One round trip: the member's role names and the org's custom roles with them.
function prepareMembership(db: AdminContext['db']) {
  return db
    .select({
      roles: memberships.roles,
      disabled: memberships.disabled,
      custom: sql<
        CustomRole[]
      >`(select coalesce(jsonb_agg(jsonb_build_object('name', ${roles.name}, 'permissions', ${roles.permissions})), '[]'::jsonb) from ${roles} where ${roles.orgId} = ${memberships.orgId})`,
    })
    .from(memberships)
    .where(and(eq(memberships.orgId, sql.placeholder('orgId')), eq(memberships.userId, sql.placeholder('userId'))))
    .limit(1)
    .prepare('rustronaut_membership');
}

async function memberPermissions(
  ctx: AdminContext,
  orgId: string,
  userId: string,
): Promise<ReadonlySet<Permission> | undefined> {
  let query = membershipQueries.get(ctx.db);
  if (query === undefined) membershipQueries.set(ctx.db, (query = prepareMembership(ctx.db)));
  const [membership] = await query.execute({ orgId, userId });
  if (membership === undefined) return undefined;
  // A suspended member (and every key they created) holds nothing here until reinstated.
  if (membership.disabled) return new Set();
  return permissionsOf(membership.roles, compileRoleCatalog(membership.custom));
}

/**
 * Guards an org-scoped route (`/api/v1/orgs/:orgId/...`): the caller must be a member of the org (or hold a key of
 * it), else 404 — the same answer as for an org that does not exist, so ids of other orgs reveal nothing — and
 * must hold `permission` there, else 403. Sets `request.org`.
 */
export function orgRoute(ctx: AdminContext, permission: Permission): OrgRouteOptions {
  return {
    config: { permission },
    onRequest: (request) => {
      requirePrincipal(request);
      return Promise.resolve();
    },
    preValidation: async (request) => {
      const principal = requirePrincipal(request);
      const orgId = (request.params as { orgId?: unknown }).orgId;
      const permissions =
        typeof orgId === 'string' && isUuid(orgId) ? await orgPermissions(ctx, principal, orgId) : undefined;
      if (permissions === undefined || typeof orgId !== 'string') {
        throw errors.notFound.create('no such organisation');
      }
      if (!permissions.has(permission)) {
        throw errors.forbidden.create(`this needs the permission ${permission} in this organisation`);
      }
      request.org = { id: orgId, permissions } satisfies OrgScope;
    },
  };
}

/** The org of an org-scoped route (set by `orgRoute`). */
export function requireOrg(request: FastifyRequest): OrgScope {
  if (request.org === undefined) throw new Error(`route ${request.routeOptions.url ?? ''} lacks orgRoute()`);
  return request.org;
}

/** The audit actor of a request. */
export function auditActor(request: FastifyRequest): AuditActor {
  const principal = request.principal;
  if (principal === undefined) return { type: 'system', id: null };
  return principal.type === 'user'
    ? { type: 'user', id: principal.userId }
    : { type: 'api_key', id: principal.apiKeyId };
}
