import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';

const actorTypeSchema = z.enum(['user', 'api_key', 'agent', 'system']);

/** Filters of the audit query and export: every given filter must match (AND). */
export const auditFilterQuery = z.strictObject({
  actorId: z.string().min(1).max(200).optional().describe('Only events by this user, API key or agent id.'),
  actorType: actorTypeSchema.optional().describe('Only events by this kind of actor.'),
  action: z
    .string()
    .regex(
      /^(?:[A-Za-z0-9_.-]{1,100}\*?|\*)$/,
      'an action such as `org.update`, or a prefix ending in `*` such as `auth.*`',
    )
    .optional()
    .describe('An exact action (`org.update`), or a prefix ending in `*` (`auth.*` matches `auth.login.failed`).'),
  targetType: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Only events about this kind of object (`org`, `gateway`).'),
  targetId: z.string().min(1).max(200).optional().describe('Only events about this object id.'),
  from: timestampSchema.optional().describe('Only events at or after this time (ISO 8601).'),
  to: timestampSchema.optional().describe('Only events before this time (ISO 8601, exclusive).'),
});

/** `GET /api/v1/orgs/{orgId}/audit/verify` takes no query parameters (any is refused). */
export const auditVerifyQuery = z.strictObject({});

/** The filters of `auditFilterQuery`, parsed. */
export type AuditFilterQuery = z.infer<typeof auditFilterQuery>;

/** One audit event as the API and the NDJSON export show it: every field its hash covers, and the hash. */
export const auditEventView = z
  .object({
    id: idSchema,
    orgId: idSchema.nullable().describe('The organisation; its id is also the name of the hash chain.'),
    seq: z.number().int().describe('Position in the hash chain of the org, from 1, without gaps.'),
    at: timestampSchema,
    actor: z.object({
      type: z.string().describe('user, api_key, agent or system.'),
      id: z.string().nullable().describe('Id of the user, API key or agent; null for the system.'),
    }),
    action: z.string().describe('`<noun>.<verb>`, e.g. `org.update`, `gateway.enrol` (docs/audit.md lists them).'),
    target: z
      .object({ type: z.string().nullable(), id: z.string().nullable() })
      .nullable()
      .describe('The object acted on; null when the event has none.'),
    ip: z.string().nullable().describe('Source address of the request.'),
    data: z.record(z.string(), z.unknown()).describe('What changed (never a secret).'),
    hash: z.string().describe('SHA-256 (hex) of the event, `prevHash` included (docs/audit.md).'),
    prevHash: z.string().describe('`hash` of the previous event of the chain; 64 zeros for the first.'),
  })
  .describe('An audit event.');

/** An audit event as the API shows it. */
export type AuditEventView = z.infer<typeof auditEventView>;

/** What kind of break verification found. */
export const auditProblemKind = z.enum([
  'changed',
  'missing',
  'unlinked',
  'out_of_order',
  'truncated',
  'head_mismatch',
  'no_head',
]);

/** One break in a hash chain, naming the event where it shows. */
export const auditProblem = z.object({
  chain: z.string().describe('The chain: an org id, or `instance` for events outside any org.'),
  eventId: z.string().nullable().describe('The event where the break shows; null when the chain has no events.'),
  seq: z.number().int().nullable(),
  action: z.string().nullable(),
  kind: auditProblemKind.describe(
    'changed: the hash does not match the contents; missing: events deleted before this one; unlinked: prev_hash ' +
      'does not link to the previous event; out_of_order: a seq below the expected one; truncated: events deleted ' +
      'at the end; head_mismatch: the chain head disagrees with the last event; no_head: the head row is gone.',
  ),
  message: z.string().describe('What is wrong, in words.'),
});

/** One break in a hash chain. */
export type AuditProblem = z.infer<typeof auditProblem>;

/** The result of verifying hash chains (`rustronaut audit verify`, `GET /api/v1/orgs/{orgId}/audit/verify`). */
export const auditVerifyReport = z
  .object({
    ok: z.boolean().describe('True when every chain checked is intact.'),
    chainsChecked: z.number().int(),
    eventsChecked: z.number().int(),
    chains: z.array(
      z.object({
        chain: z.string(),
        events: z.number().int().describe('Events checked in this chain.'),
        headSeq: z.number().int().nullable().describe('`seq` of the chain head; null when the head row is gone.'),
        headHash: z
          .string()
          .nullable()
          .describe('Hash of the chain head: record it elsewhere to detect a rewrite of the whole chain later.'),
        ok: z.boolean(),
      }),
    ),
    problems: z.array(auditProblem).describe('Every break found (at most 100 per chain), in chain and seq order.'),
  })
  .describe('Audit hash chain verification.');

/** The result of verifying hash chains. */
export type AuditVerifyReport = z.infer<typeof auditVerifyReport>;
