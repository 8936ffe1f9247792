import { z } from 'zod';
import { idSchema, nameSchema, orgParams, timestampSchema } from './common.js';
import { roleNameSchema } from './roles.js';

const roles = z.array(roleNameSchema).min(1).max(20);

/** `POST /api/v1/orgs/{orgId}/identity-providers`: an OpenID Connect provider for single sign-on. */
export const createIdentityProviderRequest = z
  .strictObject({
    name: nameSchema,
    issuer: z
      .url({ protocol: /^https?$/, error: 'expected the issuer URL (https://; http:// only on loopback)' })
      .max(512)
      .refine(
        (url) => url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url),
        'the issuer must use https:// (http:// only on loopback, for tests)',
      )
      .describe('Issuer URL; its `/.well-known/openid-configuration` is read at sign-in.'),
    clientId: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces'),
    clientSecret: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces')
      .describe('Client secret; stored encrypted, never shown again.'),
    scopes: z
      .string()
      .max(512)
      .regex(/^openid( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'expected space-separated scopes starting with `openid`')
      .default('openid email profile')
      .describe('Scopes requested; `openid` first.'),
    rolesClaim: z
      .string()
      .min(1)
      .max(128)
      .nullable()
      .default(null)
      .describe('ID-token claim with the user’s groups (a string or a list), e.g. `groups`.'),
    roleMapping: z
      .record(z.string().min(1).max(256), roleNameSchema)
      .refine((m) => Object.keys(m).length <= 100, 'at most 100 entries')
      .default({})
      .describe('Claim value → role in this organisation, e.g. `{ "ops": "operator" }`.'),
    defaultRoles: roles.default(['viewer']).describe('Roles when no mapped value is present.'),
    provision: z
      .boolean()
      .default(true)
      .describe('Create an account and membership for a verified email that has none.'),
  })
  .describe('An OpenID Connect identity provider.');

/** Path parameters of one identity provider. */
export const identityProviderParams = orgParams.extend({ providerId: idSchema });

/** An identity provider as the API shows it: never the client secret. */
export const identityProviderView = z.object({
  id: idSchema,
  orgId: idSchema,
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  scopes: z.string(),
  rolesClaim: z.string().nullable(),
  roleMapping: z.record(z.string(), z.string()),
  defaultRoles: z.array(z.string()),
  provision: z.boolean(),
  redirectUri: z.url().describe('Register this redirect URI at the provider.'),
  createdAt: timestampSchema,
});
/** An identity provider in API answers. */
export type IdentityProviderView = z.infer<typeof identityProviderView>;

/** `GET /api/v1/auth/sso/providers?orgId=`: the sign-in buttons of an org, for the login page. */
export const ssoProvidersQuery = z.strictObject({ orgId: idSchema });
/** The sign-in buttons of an org. */
export const ssoProvidersResponse = z.object({
  items: z.array(z.object({ id: idSchema, name: z.string(), startUrl: z.string() })),
});

/** `GET /api/v1/auth/sso/{providerId}/start`. */
export const ssoStartParams = z.strictObject({ providerId: idSchema });
/** Query of the SSO start: the gateway's intent, when the sign-in is on the way to a resource. */
export const ssoStartQuery = z.strictObject({ intent: z.string().min(1).max(4096).optional() });
/** Query of the SSO callback (what the provider sends back). */
export const ssoCallbackQuery = z
  .object({
    code: z.string().max(4096).optional(),
    state: z.string().max(512).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(1024).optional(),
  })
  .describe('The authorization response (RFC 6749 section 4.1.2), other parameters ignored.');
