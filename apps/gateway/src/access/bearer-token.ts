/** Longest bearer token accepted; real JWTs are well under 4 KB, and a cap bounds the verification cache. */
export const MAX_TOKEN_LENGTH = 8192;

/** What the `Authorization` header of a request holds. */
export type BearerToken =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed'; readonly reason: string };

// RFC 6750 section 2.1: `Bearer 1*SP b64token`; a JWS compact serialization (RFC 7515 section 7.1) is three
// base64url parts joined by dots, which is narrower than b64token and all a JWT can be.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Reads a bearer token from an `Authorization` header. The scheme is matched case-insensitively (RFC 9110
 * section 11.1); anything but one well-formed compact JWT after it is malformed. Never throws.
 */
export function bearerTokenOf(header: string | undefined): BearerToken {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (header.length > MAX_TOKEN_LENGTH + 7)
    return { kind: 'malformed', reason: 'the Authorization header is too long' };
  const space = header.indexOf(' ');
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'bearer') {
    return { kind: 'malformed', reason: 'expected Authorization: Bearer <token>' };
  }
  let start = space + 1;
  while (header.charCodeAt(start) === 0x20) start++;
  const token = header.slice(start);
  if (!JWT_SHAPE.test(token)) return { kind: 'malformed', reason: 'the bearer token is not a JWT' };
  return { kind: 'token', token };
}

const REALM = 'Bearer realm="rustronaut"';

/**
 * The `WWW-Authenticate` value of a 401 (RFC 6750 section 3): no error code when the request carried no
 * credentials, `invalid_token` with the reason otherwise. `error_description` allows %x20-21 / %x23-5B / %x5D-7E:
 * anything else (quotes, backslashes, control characters) is left out.
 */
export function bearerChallenge(invalidReason?: string): string {
  if (invalidReason === undefined) return REALM;
  return `${REALM}, error="invalid_token", error_description="${invalidReason.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;
}
