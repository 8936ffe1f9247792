import { defineError, type ErrorDefinition } from './define-error.js';

/**
 * The one registry of error codes. docs/errors.md is generated from it (`npm run docs`)
 * and a test fails when the two disagree.
 */
export const errors = {
  configInvalid: defineError(
    'ERR_CONFIG_INVALID',
    500,
    'A configuration value (environment variable or YAML field) is invalid; the message names the field. The CLI exits with code 2.',
  ),
  startupPortInUse: defineError(
    'ERR_STARTUP_PORT_IN_USE',
    500,
    'A listener could not bind because its address is in use; the message names the setting that changes it. The CLI exits with code 1.',
  ),
  startupListenFailed: defineError(
    'ERR_STARTUP_LISTEN_FAILED',
    500,
    'A listener could not bind its address for another reason (permission denied for a port below 1024, address not on this host). The CLI exits with code 1.',
  ),
  startupDataDir: defineError(
    'ERR_STARTUP_DATA_DIR',
    500,
    'The data directory cannot be created or written. The CLI exits with code 1.',
  ),
  validation: defineError(
    'ERR_VALIDATION',
    400,
    'The request does not match the schema of the endpoint; `details` lists the offending fields.',
  ),
  badRequest: defineError('ERR_BAD_REQUEST', 400, 'The request is malformed (e.g. invalid JSON or content type).'),
  notFound: defineError('ERR_NOT_FOUND', 404, 'No such endpoint or object.'),
  methodNotAllowed: defineError('ERR_METHOD_NOT_ALLOWED', 405, 'The endpoint exists but not for this method.'),
  notAcceptable: defineError(
    'ERR_NOT_ACCEPTABLE',
    406,
    'The endpoint cannot answer in a format the Accept header allows (the live monitor streams only `text/event-stream`).',
  ),
  bodyTooLarge: defineError('ERR_BODY_TOO_LARGE', 413, 'The request body exceeds the size limit of the endpoint.'),
  unsupportedMediaType: defineError(
    'ERR_UNSUPPORTED_MEDIA_TYPE',
    415,
    'The request body has a content type the endpoint does not accept.',
  ),
  internal: defineError(
    'ERR_INTERNAL',
    500,
    'An unexpected error; details are in the server log under the request id, never in the response.',
  ),
  dbUniqueViolation: defineError(
    'ERR_DB_CONFLICT',
    409,
    'The change conflicts with an existing row (a unique constraint was violated).',
  ),
  dbUnavailable: defineError('ERR_DB_UNAVAILABLE', 503, 'The database cannot be reached or refused the connection.'),
  unauthenticated: defineError(
    'ERR_UNAUTHENTICATED',
    401,
    'The request carries no credentials, or ones that are invalid, expired or revoked (access token, API key, session cookie or client certificate).',
  ),
  forbidden: defineError(
    'ERR_FORBIDDEN',
    403,
    'The caller is authenticated but lacks the permission the endpoint requires (named in the message).',
  ),
  authInvalidCredentials: defineError(
    'ERR_AUTH_INVALID_CREDENTIALS',
    401,
    'Sign-in failed: unknown email, wrong password or wrong one-time code. The message never says which.',
  ),
  authTotpRequired: defineError(
    'ERR_AUTH_TOTP_REQUIRED',
    401,
    'The account has a second factor: send the current 6-digit code from the authenticator app as `totp`.',
  ),
  authLocked: defineError(
    'ERR_AUTH_LOCKED',
    423,
    'The account is locked after too many failed sign-ins; it unlocks by itself after the lockout window (`Retry-After` says when).',
  ),
  authThrottled: defineError(
    'ERR_AUTH_THROTTLED',
    429,
    'Too many failed sign-ins for this account or from this address: wait the number of seconds in `Retry-After`.',
  ),
  authRefreshInvalid: defineError(
    'ERR_AUTH_REFRESH_INVALID',
    401,
    'The refresh token is unknown, expired or its session was revoked. A rotated-out refresh token presented again revokes its whole session.',
  ),
  authSsoFailed: defineError(
    'ERR_AUTH_SSO_FAILED',
    401,
    'Single sign-on did not complete: the provider answered an error, the state or nonce did not match, the ID token was forged, expired or for another client, the email is not verified, or the account may not be provisioned. The message says which.',
  ),
  authSsoUnavailable: defineError(
    'ERR_AUTH_SSO_UNAVAILABLE',
    502,
    "The identity provider's discovery document or token endpoint could not be reached or answered nonsense.",
  ),
  accessIntentInvalid: defineError(
    'ERR_ACCESS_INTENT_INVALID',
    400,
    'The sign-in intent from a gateway is malformed, expired, from another installation, or names a resource that no longer exists. Open the resource again.',
  ),
  accessNotMember: defineError(
    'ERR_ACCESS_NOT_MEMBER',
    403,
    'The signed-in user is not a member of the organisation that publishes the resource, so no access code is issued.',
  ),
  accessCodeInvalid: defineError(
    'ERR_ACCESS_CODE_INVALID',
    400,
    'The one-time access code is unknown, used already, expired (codes live 30 s), for another origin or organisation, or its session has ended.',
  ),
  authSetupInvalid: defineError(
    'ERR_AUTH_SETUP_INVALID',
    401,
    'The first-run setup token is unknown, used or older than one hour; restart the admin to print a new setup link.',
  ),
  csrfRejected: defineError(
    'ERR_CSRF_REJECTED',
    403,
    'A state-changing request authenticated by the session cookie came from another origin.',
  ),
  conflict: defineError(
    'ERR_CONFLICT',
    409,
    'The change conflicts with the current state (a name or host already in use, the last owner leaving, a role still assigned); the message says which.',
  ),
  certificateUnparsable: defineError(
    'ERR_CERT_UNPARSABLE',
    422,
    'An uploaded certificate or private key is not PEM or does not parse, or the leaf names no DNS host.',
  ),
  certificateKeyMismatch: defineError(
    'ERR_CERT_KEY_MISMATCH',
    422,
    'The uploaded private key does not belong to the leaf certificate.',
  ),
  certificateChainInvalid: defineError(
    'ERR_CERT_CHAIN_INVALID',
    422,
    'The uploaded chain is not in order: each certificate must be signed by the next one (leaf first).',
  ),
  certificateExpired: defineError(
    'ERR_CERT_EXPIRED',
    422,
    'A certificate of the uploaded chain has expired, or is not valid yet.',
  ),
  secretUnreadable: defineError(
    'ERR_SECRET_UNREADABLE',
    500,
    'A secret stored encrypted cannot be decrypted: the master key (RUSTRONAUT_MASTER_KEY or data/master.key) is not the one it was written with.',
  ),
  enrolInvalid: defineError(
    'ERR_ENROL_INVALID',
    401,
    'The enrolment token is unknown, used or expired; create a new one in the admin.',
  ),
  controlUnavailable: defineError(
    'ERR_CONTROL_UNAVAILABLE',
    503,
    'A gateway cannot reach the admin (to enrol, or on the control channel), or the admin answered something it does not understand; an enrolled gateway keeps serving its last snapshot and retries.',
  ),
  tunnelNoHub: defineError(
    'ERR_TUNNEL_NO_HUB',
    409,
    'The organisation has no tunnel hub that reported its WireGuard key and endpoint yet: create a gateway of kind `hub` and run `rustronaut tunnel` with its enrolment token.',
  ),
  tunnelPrerequisite: defineError(
    'ERR_TUNNEL_PREREQUISITE',
    500,
    'The tunnel hub or the connector cannot manage WireGuard here: the message names what is missing (root or CAP_NET_ADMIN, /dev/net/tun, the wireguard-go binary). The CLI exits with code 1.',
  ),
  auditChainBroken: defineError(
    'ERR_AUDIT_CHAIN_BROKEN',
    500,
    '`rustronaut audit verify` found an audit event that was changed, removed or inserted out of order; the message names the event.',
  ),
  backupInvalid: defineError(
    'ERR_BACKUP_INVALID',
    422,
    'The file given to `rustronaut restore` is not a complete Rustronaut backup (unknown format, a damaged line, or cut short); the message names the line. Nothing was restored.',
  ),
  backupIncompatible: defineError(
    'ERR_BACKUP_INCOMPATIBLE',
    409,
    'The backup was made at another database schema version than this Rustronaut runs (an older or newer release); restore it with the release that made it, then upgrade. Nothing was restored.',
  ),
  restoreTargetNotEmpty: defineError(
    'ERR_BACKUP_TARGET_NOT_EMPTY',
    409,
    '`rustronaut restore` refuses a database that already holds data; the message lists the tables. Restore into an empty database, or pass `--force` to replace everything in it.',
  ),
  gatewayBadRequest: defineError(
    'ERR_GW_BAD_REQUEST',
    400,
    'The gateway refused a malformed request (invalid framing such as both Content-Length and Transfer-Encoding, a bad chunk size, obs-fold, or an invalid header name); it never reaches an upstream.',
  ),
  gatewayBadHost: defineError('ERR_GW_BAD_HOST', 400, 'The Host header is missing or not a valid host name.'),
  gatewayBadPath: defineError(
    'ERR_GW_BAD_PATH',
    400,
    'The request path is malformed (bad percent-encoding, control characters, a backslash) or contains an encoded slash (`%2F`, `%5C`) on a route that does not allow it.',
  ),
  gatewayRequestTimeout: defineError(
    'ERR_GW_REQUEST_TIMEOUT',
    408,
    'The client did not send a complete request head in time (slow-loris protection).',
  ),
  gatewayHeadersTooLarge: defineError(
    'ERR_GW_HEADERS_TOO_LARGE',
    431,
    'The request head (request line and headers) exceeds the size limit.',
  ),
  gatewayRateLimited: defineError(
    'ERR_GW_RATE_LIMITED',
    429,
    'The client exceeded the rate limit of the route; retry after the number of seconds in `Retry-After`.',
  ),
  gatewayCorsRejected: defineError(
    'ERR_GW_CORS_REJECTED',
    403,
    'A CORS preflight came from an origin, or asked for a method, that the route does not allow.',
  ),
  gatewayNoHealthyUpstream: defineError(
    'ERR_GW_NO_HEALTHY_UPSTREAM',
    503,
    'Every upstream of the route is out of rotation (failed health checks or ejected after failures).',
  ),
  gatewayUpstreamConnect: defineError(
    'ERR_GW_UPSTREAM_CONNECT',
    502,
    'The gateway could not connect to the upstream (refused, unreachable or connect timeout), also after one retry for idempotent requests.',
  ),
  gatewayUpstreamError: defineError(
    'ERR_GW_UPSTREAM_ERROR',
    502,
    'The upstream closed the connection or sent an invalid response.',
  ),
  gatewayUpstreamTimeout: defineError(
    'ERR_GW_UPSTREAM_TIMEOUT',
    504,
    "The upstream did not send its response head within the route's `timeouts.responseHeaderMs`.",
  ),
  gatewayUnauthenticated: defineError(
    'ERR_GW_UNAUTHENTICATED',
    401,
    'The route needs a bearer token and the request had none, or its token is malformed, expired, not yet valid, for another audience or issuer, signed with a refused algorithm or an unknown key, or its signature does not verify; `WWW-Authenticate` says which (RFC 6750).',
  ),
  gatewayForbidden: defineError(
    'ERR_GW_FORBIDDEN',
    403,
    'The route needs a client certificate from its CA (mTLS) and the connection presented none, one from another CA, an expired one, or came over plain HTTP.',
  ),
  gatewayAccessDenied: defineError(
    'ERR_GW_ACCESS_DENIED',
    403,
    "The request is authenticated but the resource's policy does not allow it (a deny rule matched, or no allow rule did); the page or problem names the reason and rule. Browsers get this page, never a redirect loop.",
  ),
  gatewaySourceBlocked: defineError(
    'ERR_GW_SOURCE_BLOCKED',
    429,
    'Too many refused requests came from this source address in a short time: it is blocked for a while (`Retry-After` says how long) and the block is in the audit log.',
  ),
  gatewayCallbackInvalid: defineError(
    'ERR_GW_CALLBACK_INVALID',
    400,
    'The sign-in callback (`/.rustronaut/callback`) carried no code, or a code that is unknown, used, expired or for another origin. Open the resource again to sign in anew.',
  ),
  gatewayAuthUnavailable: defineError(
    'ERR_GW_AUTH_UNAVAILABLE',
    503,
    "The gateway has no keys to verify the route's bearer tokens: its JWKS has never been fetched successfully. The route stays closed until a fetch succeeds.",
  ),
  gatewayNoRoute: defineError('ERR_GW_NO_ROUTE', 404, 'The gateway has no route for the requested host and path.'),
  policyInvalid: defineError(
    'ERR_POLICY_INVALID',
    400,
    'An access policy or custom role is invalid (bad CIDR, email entry, schedule, time zone, unknown permission...); the message names the field, e.g. `rules[3].when.emails[1]`.',
  ),
  wgKeyInvalid: defineError(
    'ERR_WG_KEY_INVALID',
    400,
    'A WireGuard key is not 32 bytes in canonical base64 (44 characters ending in `=`, as `wg genkey` prints) or, on the UAPI socket, in 64 hex digits.',
  ),
  wgKeyFile: defineError(
    'ERR_WG_KEY_FILE',
    500,
    'A key file or key stream cannot be read, is not a regular file, is too large, or is accessible by group or others (fix with `chmod 600`).',
  ),
  wgConfigInvalid: defineError(
    'ERR_WG_CONFIG_INVALID',
    400,
    'A WireGuard setting is invalid: a device change, address pool or wg-quick field (port, interval, endpoint, allowed IP, DNS, MTU) is out of range or malformed; the message names the field.',
  ),
  wgUapi: defineError(
    'ERR_WG_UAPI',
    502,
    'The WireGuard device refused an operation with a non-zero errno (in `details.errno`, either sign); a refused `set` may have been applied in part, so re-read the device.',
  ),
  wgUapiProtocol: defineError(
    'ERR_WG_UAPI_PROTOCOL',
    502,
    'The WireGuard device sent a malformed UAPI answer, closed the connection before the answer ended, or closed it without answering.',
  ),
  wgUapiTimeout: defineError(
    'ERR_WG_UAPI_TIMEOUT',
    504,
    'The WireGuard device did not answer a UAPI operation within the timeout; the connection was closed.',
  ),
  wgUapiUnavailable: defineError(
    'ERR_WG_UAPI_UNAVAILABLE',
    503,
    'The UAPI socket of the WireGuard device cannot be reached (missing, refused or not permitted): the device is not running or this process may not manage it.',
  ),
  wgPoolExhausted: defineError(
    'ERR_WG_POOL_EXHAUSTED',
    409,
    'The tunnel address pool has no free address left (every host address is allocated or reserved); widen the pool or delete unused sites and devices.',
  ),
  wgQrTooLarge: defineError(
    'ERR_WG_QR_TOO_LARGE',
    422,
    'The WireGuard configuration is too large for a QR code (usually too many AllowedIPs); download the configuration file instead.',
  ),
  wgBackendUnavailable: defineError(
    'ERR_WG_BACKEND_UNAVAILABLE',
    503,
    'No WireGuard backend can run on this host; `details.missing` lists what is missing (root or CAP_NET_ADMIN, `/dev/net/tun`, `wireguard-go`, the kernel module and `wg`, `ip`).',
  ),
  wgCommandFailed: defineError(
    'ERR_WG_COMMAND_FAILED',
    500,
    'A command managing a WireGuard interface (`ip`, `wg`, `wireguard-go`) failed or the device did not come up; the message names the command and its error output.',
  ),
} as const satisfies Record<string, ErrorDefinition>;

/** Every registered code, in registry order. */
export const errorDefinitions: readonly ErrorDefinition[] = Object.values(errors);

const byCode = new Map<string, ErrorDefinition>(errorDefinitions.map((d) => [d.code, d]));
if (byCode.size !== errorDefinitions.length) throw new Error('duplicate error code in the registry');

/** Looks a code up in the registry. */
export function findErrorDefinition(code: string): ErrorDefinition | undefined {
  return byCode.get(code);
}

/** The codes known to this registry, as a type. */
export type ErrorCode = (typeof errors)[keyof typeof errors]['code'];

/**
 * True for errors that carry a registered code. Uses the code, not `instanceof`, so errors
 * from another copy of this package are recognised too.
 */
export function isAppError(
  err: unknown,
): err is { code: ErrorCode; status: number; message: string; details?: Record<string, unknown> } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    byCode.has((err as { code: string }).code) &&
    typeof (err as { status?: unknown }).status === 'number'
  );
}
