import { z } from 'zod';
import { emailSchema, idSchema, nameSchema, timestampSchema } from './common.js';

/** `POST /api/v1/auth/login`. */
export const loginRequest = z
  .strictObject({
    email: emailSchema,
    password: z.string().min(1).max(1024),
    totp: z
      .string()
      .regex(/^\d{6}$/, 'expected 6 digits')
      .optional()
      .describe('Current code of the authenticator app, when the account has a second factor.'),
  })
  .describe('Sign in with email and password.');

/** `POST /api/v1/auth/refresh`; the refresh token may come in the body or the console's cookie. */
export const refreshRequest = z
  .strictObject({ refreshToken: z.string().min(1).max(200).optional() })
  .describe('Exchange a refresh token for a new access token and a new refresh token.');

/** Tokens issued by login and refresh. */
export const tokenResponse = z
  .object({
    accessToken: z.string().describe('EdDSA-signed JWT; send as `Authorization: Bearer <token>`.'),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Seconds until the access token expires.'),
    refreshToken: z
      .string()
      .describe('Single-use: each refresh returns a new one; presenting a spent one ends the session.'),
    sessionId: idSchema,
  })
  .describe('Access and refresh tokens.');

/** `POST /api/v1/auth/setup`: first-run creation of the owner with the one-time setup token from the log. */
export const setupRequest = z
  .strictObject({
    token: z.string().min(1).max(200),
    email: emailSchema,
    password: z.string().min(12, 'at least 12 characters').max(1024),
    name: nameSchema.optional(),
  })
  .describe('Create the first owner account.');

/** A user as the API shows it (never the password hash or TOTP secret). */
export const userView = z.object({
  id: idSchema,
  email: z.string(),
  name: z.string(),
  totpEnabled: z.boolean(),
  disabled: z.boolean(),
  createdAt: timestampSchema,
});

/** A session as the API shows it. */
export const sessionView = z.object({
  id: idSchema,
  userId: idSchema,
  authMethod: z.string(),
  mfa: z.boolean(),
  ip: z.string(),
  userAgent: z.string(),
  createdAt: timestampSchema,
  lastSeenAt: timestampSchema,
  expiresAt: timestampSchema,
  revokedAt: timestampSchema.nullable(),
  revokedReason: z.string().nullable(),
  current: z.boolean().describe('The session of this request.'),
});

/** `GET /api/v1/me`. */
export const meResponse = z.object({
  user: userView,
  sessionId: idSchema,
  memberships: z.array(z.object({ orgId: idSchema, orgName: z.string(), roles: z.array(z.string()) })),
});

/** `POST /api/v1/me/totp`: the secret, shown once, to put in an authenticator app. */
export const totpEnrolResponse = z.object({
  secret: z.string().describe('Base32 secret; shown only now.'),
  uri: z.string().describe('`otpauth://` URI for a QR code.'),
});

/** A TOTP code, to confirm or turn off the second factor. */
export const totpCodeRequest = z.strictObject({ code: z.string().regex(/^\d{6}$/, 'expected 6 digits') });

/** `PATCH /api/v1/me`. */
export const updateMeRequest = z
  .strictObject({
    name: nameSchema.optional(),
    currentPassword: z.string().min(1).max(1024).optional(),
    newPassword: z.string().min(12, 'at least 12 characters').max(1024).optional(),
  })
  .refine((body) => (body.newPassword === undefined) === (body.currentPassword === undefined), {
    message: 'send currentPassword together with newPassword',
    path: ['currentPassword'],
  });

/** The published signing keys. */
export const jwksResponse = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
