import type { MemberView } from '@rustronaut/contracts';
import { apiKeys, memberships, newId, users, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { permissionsOf } from '@rustronaut/policy';
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import { recordAudit } from '../../audit/record-audit.js';
import { hashPassword } from '../../auth/passwords.js';
import type { AdminContext } from '../../context.js';
import { iso } from '../../http/views.js';
import { grantOf, orgRoleCatalog, requireHeld, roleHolderCount } from '../roles/role-catalog.js';
import type { Caller } from './caller.js';
import { changeAccess } from './org-lock.js';

/** The built-in role an organisation always keeps at least one holder of. */
const OWNER = 'owner';

const memberColumns = {
  id: memberships.userId,
  email: users.email,
  name: users.name,
  roles: memberships.roles,
  disabled: memberships.disabled,
  createdAt: memberships.createdAt,
  updatedAt: memberships.updatedAt,
};

type MemberRow = {
  id: string;
  email: string;
  name: string;
  roles: string[];
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
};

/** A member row as the API shows it. */
export function memberViewOf(row: MemberRow): MemberView {
  return {
    userId: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles,
    disabled: row.disabled,
    joinedAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const notMember = () => errors.notFound.create('no such member of this organisation');

/** `limit + 1` members in user-id order after `after`, optionally only holders of `role`, for `pageOf`. */
export function listMembers(
  ctx: AdminContext,
  orgId: string,
  filter: { role?: string | undefined },
  after: string | undefined,
  limit: number,
): Promise<MemberRow[]> {
  return ctx.db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.orgId, orgId),
        after === undefined ? undefined : gt(memberships.userId, after),
        filter.role === undefined ? undefined : sql`${memberships.roles} @> ${JSON.stringify([filter.role])}::jsonb`,
      ),
    )
    .orderBy(asc(memberships.userId))
    .limit(limit + 1);
}

/** One member of the org; 404 when the user is not a member of it (or does not exist). */
export async function getMember(db: DrizzleDatabase, orgId: string, userId: string): Promise<MemberRow> {
  const [row] = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  if (row === undefined) throw notMember();
  return row;
}

/** 409 when taking `owner` from `member` (or suspending them) would leave the org without an active one. */
async function keepAnOwner(
  tx: DrizzleDatabase,
  orgId: string,
  member: MemberRow,
  after: { roles: readonly string[]; disabled: boolean },
) {
  const ownerBefore = member.roles.includes(OWNER) && !member.disabled;
  if (!ownerBefore || (after.roles.includes(OWNER) && !after.disabled)) return;
  if ((await roleHolderCount(tx, orgId, OWNER, 'active')) <= 1) {
    throw errors.conflict.create('this is the last owner of the organisation: make another member owner first');
  }
}

/** Input of `POST /members`. */
export interface NewMember {
  readonly email: string;
  readonly roles: readonly string[];
  readonly password?: string | undefined;
}

/**
 * Adds a user to the org with `roles`, creating the account (with the admin-chosen `password`) when no user has
 * the email. The caller must hold every permission the roles grant, so only owners make owners.
 */
export async function addMember(ctx: AdminContext, caller: Caller, input: NewMember): Promise<MemberView> {
  const roles = [...new Set(input.roles)];
  // Hash outside the transaction (argon2 takes a while) when the account will likely be created.
  const [existing] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, input.email));
  const passwordHash =
    existing === undefined && input.password !== undefined ? await hashPassword(input.password) : undefined;
  const row = await changeAccess(ctx, caller.orgId, async (tx) => {
    const granted = grantOf(roles, await orgRoleCatalog(tx, caller.orgId), 'body.roles');
    requireHeld(granted, caller.held, 'grant these roles');
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.email));
    let userId = user?.id;
    if (userId !== undefined && input.password !== undefined) {
      throw errors.conflict.create(
        'an account with this email exists, and its password is its owner’s: add it without a password',
      );
    }
    if (userId === undefined) {
      if (passwordHash === undefined) {
        throw errors.validation.create('no account has this email: send a password to create one', {
          details: {
            errors: [{ field: 'body.password', message: 'required to create the account (at least 12 characters)' }],
          },
        });
      }
      userId = newId();
      await tx.insert(users).values({ id: userId, email: input.email, passwordHash, createdAt: ctx.now() });
    }
    const [already] = await tx
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.orgId, caller.orgId), eq(memberships.userId, userId)));
    if (already !== undefined)
      throw errors.conflict.create('this user is already a member; change their roles instead');
    const now = ctx.now();
    await tx.insert(memberships).values({ orgId: caller.orgId, userId, roles, createdAt: now, updatedAt: now });
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'member.create',
      targetType: 'user',
      targetId: userId,
      ip: caller.ip,
      data: { email: input.email, roles, accountCreated: user === undefined },
    });
    return getMember(tx, caller.orgId, userId);
  });
  return memberViewOf(row);
}

/**
 * Replaces a member's roles and/or suspends or reinstates them. The caller must hold what the member holds now
 * (nobody demotes or suspends someone above them) and what the new roles grant; nobody suspends themselves; the
 * org keeps an active owner. Gateways learn the change with the config version it bumps.
 */
export async function updateMember(
  ctx: AdminContext,
  caller: Caller,
  userId: string,
  input: { roles?: readonly string[] | undefined; disabled?: boolean | undefined },
): Promise<MemberView> {
  const row = await changeAccess(ctx, caller.orgId, async (tx) => {
    const member = await getMember(tx, caller.orgId, userId);
    const roles = input.roles === undefined ? member.roles : [...new Set(input.roles)];
    const disabled = input.disabled ?? member.disabled;
    if (disabled && !member.disabled && caller.actor.type === 'user' && caller.actor.id === userId) {
      throw errors.conflict.create('you cannot suspend yourself: ask another admin of the organisation');
    }
    const catalog = await orgRoleCatalog(tx, caller.orgId);
    const granted = grantOf(roles, catalog, 'body.roles');
    requireHeld(permissionsOf(member.roles, catalog), caller.held, 'change this member');
    requireHeld(granted, caller.held, 'grant these roles');
    await keepAnOwner(tx, caller.orgId, member, { roles, disabled });
    await tx
      .update(memberships)
      .set({ roles, disabled, updatedAt: ctx.now() })
      .where(and(eq(memberships.orgId, caller.orgId), eq(memberships.userId, userId)));
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: disabled === member.disabled ? 'member.update' : disabled ? 'member.suspend' : 'member.reinstate',
      targetType: 'user',
      targetId: userId,
      ip: caller.ip,
      data: { roles, previousRoles: member.roles },
    });
    return getMember(tx, caller.orgId, userId);
  });
  return memberViewOf(row);
}

/**
 * Removes a member (not the last owner; not one who holds permissions the caller lacks) and revokes the API keys
 * they created in the org: a key must not outlive its creator's access.
 */
export async function removeMember(ctx: AdminContext, caller: Caller, userId: string): Promise<void> {
  await changeAccess(ctx, caller.orgId, async (tx) => {
    const member = await getMember(tx, caller.orgId, userId);
    const catalog = await orgRoleCatalog(tx, caller.orgId);
    requireHeld(permissionsOf(member.roles, catalog), caller.held, 'remove this member');
    await keepAnOwner(tx, caller.orgId, member, { roles: [], disabled: true });
    await tx.delete(memberships).where(and(eq(memberships.orgId, caller.orgId), eq(memberships.userId, userId)));
    const revoked = await tx
      .update(apiKeys)
      .set({ revokedAt: ctx.now() })
      .where(and(eq(apiKeys.orgId, caller.orgId), eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'member.delete',
      targetType: 'user',
      targetId: userId,
      ip: caller.ip,
      data: { email: member.email, roles: member.roles, apiKeysRevoked: revoked.map((key) => key.id) },
    });
  });
}
