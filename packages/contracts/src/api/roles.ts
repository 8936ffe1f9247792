import { z } from 'zod';
import { descriptionSchema, idSchema, orgParams, timestampSchema } from './common.js';

/**
 * A role name: lower-case, so `Owner` can never pass for the built-in `owner`. Members and policies refer to
 * roles by this name.
 */
export const roleNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,62}$/,
    'lower-case letters, digits, "-" and "_", starting with a letter, 1 to 63 characters',
  )
  .describe('Role name: a built-in role (owner, admin, operator, viewer) or a custom role of the organisation.');

/** A list of permissions (`<noun>:<action>`, see docs/rbac.md); each is checked against the known set. */
export const permissionListSchema = z
  .array(z.string().max(64, 'at most 64 characters'))
  .min(1, 'at least one permission')
  .max(100, 'at most 100 permissions')
  .describe('Permissions such as `resource:read` (see docs/rbac.md); unknown ones are refused.');

/** `POST /api/v1/orgs/{orgId}/roles`: a custom role. The caller must hold every permission it grants. */
export const createRoleRequest = z
  .strictObject({
    name: roleNameSchema,
    description: descriptionSchema.optional(),
    permissions: permissionListSchema,
  })
  .describe('A custom role: a named set of permissions.');

/**
 * `PATCH /api/v1/orgs/{orgId}/roles/{roleId}`. A role still assigned to a member cannot be renamed (members refer
 * to it by name); its permissions can change, by a caller who holds both the old and the new ones.
 */
export const updateRoleRequest = z.strictObject({
  name: roleNameSchema.optional(),
  description: descriptionSchema.optional(),
  permissions: permissionListSchema.optional(),
});

/** Path parameters of one role: its id, or its name (built-in roles have no id, only a name). */
export const roleParams = orgParams.extend({
  roleId: z
    .union([idSchema, roleNameSchema], { error: 'expected a role id (UUID) or a role name' })
    .describe('Id of a custom role, or the name of any role (built-in roles are addressed by name).'),
});

/** A role as the API shows it: built-in roles first (fixed, `builtIn: true`), then the organisation's own. */
export const roleView = z.object({
  id: z.string().describe('UUID of a custom role; the name of a built-in role.'),
  name: z.string(),
  description: z.string(),
  permissions: z.array(z.string()),
  builtIn: z.boolean().describe('A built-in role: it cannot be changed or deleted.'),
  createdAt: timestampSchema.nullable().describe('Null for built-in roles.'),
  updatedAt: timestampSchema.nullable().describe('Null for built-in roles.'),
});

/** A role as the API shows it. */
export type RoleView = z.infer<typeof roleView>;
