import type { SigningKeyStore } from './signing-keys.js';

/** Audience of the admin API's access tokens. */
export const ACCESS_AUDIENCE = 'rustronaut:admin';
/** Lifetime of an access token. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
/** Console cookie holding the access token (HttpOnly, SameSite=Strict, Path=/). */
export const ACCESS_COOKIE = 'rs_access';
/** Console cookie holding the refresh token (HttpOnly, SameSite=Strict, Path=/api/v1/auth). */
export const REFRESH_COOKIE = 'rs_refresh';

/** What an access token says about its session. */
export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly authMethod: string;
  readonly mfa: boolean;
}

/** Signs a 15-minute access token (EdDSA JWT) for a session. */
export function issueAccessToken(keys: SigningKeyStore, claims: AccessClaims): Promise<string> {
  return keys.sign(
    { sid: claims.sessionId, amr: [claims.authMethod, ...(claims.mfa ? ['otp'] : [])] },
    { audience: ACCESS_AUDIENCE, subject: claims.userId, expiresInSeconds: ACCESS_TOKEN_SECONDS },
  );
}
