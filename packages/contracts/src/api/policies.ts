import { z } from 'zod';
import { descriptionSchema, emailSchema, idSchema, nameSchema, timestampSchema } from './common.js';

/** Longest string anywhere in a policy's rules (emails, CIDRs, paths, SANs, descriptions). */
const MAX_RULE_STRING = 2048;

/** Refuses over-long strings anywhere in `value`, naming their path; the engine checks everything else. */
function boundStrings(value: unknown, ctx: z.RefinementCtx, path: PropertyKey[]): void {
  if (typeof value === 'string') {
    if (value.length > MAX_RULE_STRING) {
      ctx.addIssue({ code: 'custom', path, message: `must be at most ${String(MAX_RULE_STRING)} characters` });
    }
  } else if (Array.isArray(value)) {
    value.forEach((inner, i) => boundStrings(inner, ctx, [...path, i]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) boundStrings(inner, ctx, [...path, key]);
  }
}

/**
 * The rules of a policy. Their shape is checked by the policy engine (`compilePolicy` in `@rustronaut/policy`),
 * not here, so a bad rule is answered with `ERR_POLICY_INVALID` naming the exact value (`rules[3].when.emails[1]`).
 */
export const policyRulesSchema = z
  .array(z.unknown())
  .max(500, 'at most 500 rules')
  .superRefine((rules, ctx) => boundStrings(rules, ctx, []))
  .describe(
    'Rules, each `{ id, effect: "allow" | "deny" | "bypass", description?, when: { users?, roles?, emails?, sourceCidrs?, methods?, paths?, schedule?: { days, from, to, timeZone }, authMethods?, requireSecondFactor?, device?: { caFingerprints?, sans?, fingerprints? } } }`. Deny wins; no matching allow means deny; a bypass rule needs `paths` and no identity criteria.',
  );

/** `POST /api/v1/orgs/{orgId}/policies`. */
export const createPolicyRequest = z
  .strictObject({
    name: nameSchema.describe('Name, unique in the organisation.'),
    description: descriptionSchema.default(''),
    rules: policyRulesSchema,
  })
  .describe('An access policy.');
/** Body of a policy creation. */
export type CreatePolicyRequest = z.output<typeof createPolicyRequest>;

/** `PATCH /api/v1/orgs/{orgId}/policies/{policyId}`. */
export const updatePolicyRequest = z
  .strictObject({
    name: nameSchema.optional(),
    description: descriptionSchema.optional(),
    rules: policyRulesSchema.optional().describe('New rules, replacing the old ones.'),
  })
  .describe('Changes to a policy.');
/** Body of a policy update. */
export type UpdatePolicyRequest = z.output<typeof updatePolicyRequest>;

/** A policy as the API shows it. */
export const policyView = z
  .object({
    id: idSchema,
    orgId: idSchema,
    name: z.string(),
    description: z.string(),
    rules: z.array(z.unknown()),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .describe('An access policy.');
/** A policy in API answers. */
export type PolicyView = z.infer<typeof policyView>;

/** Path parameters of one policy. */
export const policyParams = z.strictObject({ orgId: idSchema, policyId: idSchema });

const sha256Fingerprint = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 fingerprint in 64 lowercase hex digits');

/**
 * `POST /api/v1/orgs/{orgId}/policies/{policyId}/explain` (and `/resources/{resourceId}/explain`): a request
 * as the gateway would see it.
 */
export const explainRequest = z
  .strictObject({
    user: z
      .strictObject({
        id: z.string().min(1).max(200).describe('User id.'),
        email: emailSchema,
        roles: z.array(z.string().min(1).max(100)).max(100).default([]).describe('Role names.'),
      })
      .optional()
      .describe('The signed-in user; omit for an anonymous request.'),
    authMethod: z.enum(['password', 'sso', 'api_key', 'mtls']).optional().describe('How the user authenticated.'),
    secondFactor: z.boolean().default(false).describe('The user passed a second factor (MFA).'),
    sourceIp: z.union([z.ipv4(), z.ipv6()], { error: 'expected an IP address' }).describe('Client address.'),
    method: z
      .string()
      .regex(/^[A-Za-z]{1,20}$/, 'expected an HTTP method')
      .default('GET')
      .describe('HTTP method; default GET.'),
    path: z
      .string()
      .min(1)
      .max(2048)
      .startsWith('/', 'must start with "/"')
      .default('/')
      .describe('Normalized request path (no query); default `/`.'),
    time: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 timestamp' })
      .optional()
      .describe('When the request happens; default now.'),
    device: z
      .strictObject({
        chainFingerprints: z.array(sha256Fingerprint).max(10).default([]),
        sans: z.array(z.string().max(500)).max(100).default([]),
        fingerprint: sha256Fingerprint,
      })
      .optional()
      .describe('A verified client certificate: fingerprints of its issuers, its SANs and its own fingerprint.'),
  })
  .describe('A request context to test a policy against.');
/** Body of an explain request, defaults applied. */
export type ExplainRequest = z.output<typeof explainRequest>;

/** The engine's decision with its working. */
export const explainResponse = z
  .object({
    decision: z.object({
      allowed: z.boolean(),
      reason: z
        .enum([
          'public',
          'bypass',
          'allowed_by_rule',
          'denied_by_rule',
          'unauthenticated',
          'no_matching_allow',
          'invalid_context',
        ])
        .describe('Why.'),
      ruleId: z.string().optional().describe('The deciding rule, if one decided.'),
    }),
    summary: z.string().describe('One sentence, e.g. `denied by rule "block-contractors"`.'),
    rules: z
      .array(
        z.object({
          id: z.string(),
          effect: z.enum(['allow', 'deny', 'bypass']),
          matched: z.boolean(),
          criteria: z.array(z.object({ criterion: z.string(), matched: z.boolean(), reason: z.string() })),
        }),
      )
      .describe('Every rule in policy order, with how each criterion fared.'),
  })
  .describe('What the policy decides for the request, and why.');
/** An explain answer. */
export type ExplainResponse = z.infer<typeof explainResponse>;
