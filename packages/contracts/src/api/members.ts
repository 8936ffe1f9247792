import { z } from 'zod';
import { emailSchema, idSchema, orgParams, timestampSchema } from './common.js';
import { roleNameSchema } from './roles.js';

const roleList = z
  .array(roleNameSchema)
  .min(1, 'at least one role')
  .max(32, 'at most 32 roles')
  .describe('Role names: built-in (owner, admin, operator, viewer) or custom roles of this organisation.');

/**
 * `POST /api/v1/orgs/{orgId}/members`. Adds the user with this email; when no account has it, creates one with
 * `password`, which the admin then hands to the person (Rustronaut sends no email). An existing account's
 * password is never set this way.
 */
export const createMemberRequest = z
  .strictObject({
    email: emailSchema,
    roles: roleList,
    password: z
      .string()
      .min(12, 'at least 12 characters')
      .max(1024, 'at most 1024 characters')
      .optional()
      .describe(
        'Only when no account has this email: the new account is created with this password (at least 12 characters), which you pass on to its owner. Refused for an existing account.',
      ),
  })
  .describe('Add a user to the organisation, creating the account when needed.');

/**
 * `PATCH /api/v1/orgs/{orgId}/members/{userId}`: replaces the member's roles, suspends or reinstates the member, or
 * both.
 */
export const updateMemberRequest = z
  .strictObject({
    roles: roleList.optional(),
    disabled: z
      .boolean()
      .optional()
      .describe(
        '`true` suspends the member: the account and roles stay, but nothing of this organisation (resources, API, API keys they created) is reachable by them until `false` reinstates them. Gateways enforce it within a second.',
      ),
  })
  .refine((body) => body.roles !== undefined || body.disabled !== undefined, 'send roles, disabled or both')
  .describe("Change a member's roles or suspend them.");

/** Filters of `GET /api/v1/orgs/{orgId}/members`. */
export const memberListQuery = z.strictObject({
  role: roleNameSchema.optional().describe('Only members holding this role.'),
});

/** Path parameters of one member. */
export const memberParams = orgParams.extend({ userId: idSchema.describe('The member’s user id.') });

/** A member as the API shows it. */
export const memberView = z.object({
  userId: idSchema,
  email: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  disabled: z.boolean().describe('Suspended in this organisation (see `PATCH`).'),
  joinedAt: timestampSchema,
  updatedAt: timestampSchema.describe('Last change of the member’s roles or suspension.'),
});

/** A member as the API shows it. */
export type MemberView = z.infer<typeof memberView>;

/** Filters of `GET /api/v1/orgs/{orgId}/sessions`: sessions of the organisation's members. */
export const memberSessionListQuery = z.strictObject({
  userId: idSchema.optional().describe('Only this member’s sessions.'),
  active: z
    .enum(['true', 'false'])
    .optional()
    .describe('`true`: only sessions neither revoked nor expired; `false`: only ended ones.'),
});

/** Path parameters of one session of a member. */
export const memberSessionParams = orgParams.extend({ sessionId: idSchema });
