import { errors, isAppError, type AppError } from '@rustronaut/errors';

/** SQLSTATE `unique_violation`. */
const UNIQUE_VIOLATION = '23505';

/** Socket-level failures (Node errno codes) that mean the server cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * SQLSTATEs that mean "no usable connection" rather than "bad query": unknown database, authentication
 * failures, server shutting down or starting, too many connections. Class 08 (connection exception) is
 * matched by prefix. See https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_SQLSTATES = new Set(['3D000', '28000', '28P01', '53300', '57P01', '57P02', '57P03']);

/**
 * Failures that node-postgres and PGlite raise without any code, so only their message identifies them.
 * Kept to messages both libraries have used for years.
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Cannot use a pool after calling end on the pool/,
  /^Client was closed and is not queryable/,
  /^PGlite is closed/,
];

/**
 * Translates a driver error into an {@link AppError}: a unique violation (SQLSTATE 23505) becomes
 * `ERR_DB_CONFLICT`, a connection failure becomes `ERR_DB_UNAVAILABLE`; anything else (including errors
 * that already carry a registered code) is returned unchanged. Looks through `cause` chains, since
 * drizzle wraps driver errors in a `DrizzleQueryError`. The original error is kept as `cause` for the log;
 * the message is client-safe (no SQL, no parameters).
 */
export function mapDbError<T>(err: T): AppError | T {
  if (isAppError(err)) return err;
  const chain = errorChain(err);
  const unique = chain.find((e) => e.code === UNIQUE_VIOLATION);
  if (unique !== undefined) {
    const constraint = typeof unique.constraint === 'string' ? unique.constraint : undefined;
    return errors.dbUniqueViolation.create('the change conflicts with an existing row', {
      cause: err,
      ...(constraint === undefined ? {} : { details: { constraint } }),
    });
  }
  if (chain.some(isConnectionFailure)) {
    return errors.dbUnavailable.create('the database is unavailable', { cause: err });
  }
  return err;
}

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly constraint?: unknown;
}

function isConnectionFailure(e: ErrorLike): boolean {
  if (typeof e.code === 'string') {
    if (NETWORK_CODES.has(e.code) || UNAVAILABLE_SQLSTATES.has(e.code) || e.code.startsWith('08')) return true;
  }
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(e.message as string));
}

/**
 * The error and everything it wraps: `cause` links, and the `errors` of an AggregateError (Node raises one
 * when every address of a host refuses the connection). Bounded, so a cyclic chain cannot loop.
 */
export function errorChain(err: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  const pending: unknown[] = [err];
  while (pending.length > 0 && found.length < 16) {
    const next = pending.shift();
    if (typeof next !== 'object' || next === null || found.includes(next)) continue;
    found.push(next);
    const { cause, errors: inner } = next as { cause?: unknown; errors?: unknown };
    if (cause !== undefined) pending.push(cause);
    if (Array.isArray(inner)) pending.push(...(inner as unknown[]));
  }
  return found;
}
