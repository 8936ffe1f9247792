/** How a request was authenticated. */
export type AuthMethod = 'jwt' | 'mtls' | 'session' | 'api_key';

/** Who a request comes from, once a protected route authenticated it. Immutable and shared by cached results. */
export interface Identity {
  /** The user id (sessions, API keys), the token's `sub`, or for a client certificate its subject CN (its SHA-256 fingerprint when it has no CN). */
  readonly sub: string;
  readonly email: string | undefined;
  readonly roles: readonly string[] | undefined;
  readonly method: AuthMethod;
  /** base64url SHA-256 of the client certificate (RFC 8705 `x5t#S256`), when one was verified. */
  readonly certificateThumbprint: string | undefined;
  /** Everything above in one string: the key of the assertion cache. */
  readonly cacheKey: string;
}

/** Builds an {@link Identity} with its cache key. */
export function createIdentity(fields: Omit<Identity, 'cacheKey'>): Identity {
  const cacheKey = JSON.stringify([
    fields.sub,
    fields.email ?? null,
    fields.roles ?? null,
    fields.method,
    fields.certificateThumbprint ?? null,
  ]);
  return { ...fields, cacheKey };
}
