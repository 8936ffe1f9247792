import { errors, type AppError } from '@rustronaut/errors';
import { errorChain } from './map-db-error.js';

/**
 * Builds the `ERR_DB_UNAVAILABLE` raised when opening or pinging a database fails, e.g.
 * `PostgreSQL at postgres://app:***@db:5432/app is unavailable: connect ECONNREFUSED 10.0.0.5:5432`.
 * The reason is the innermost driver message (drizzle's wrapper repeats the SQL and its parameters), with
 * every secret of the URL scrubbed, so the message is safe to log and print.
 */
export function databaseUnavailable(target: string, err: unknown, secrets: readonly string[] = []): AppError {
  let reason = describeReason(err);
  for (const secret of secrets) reason = reason.split(secret).join('***');
  return errors.dbUnavailable.create(`${target} is unavailable: ${reason}`, { cause: err });
}

function describeReason(err: unknown): string {
  const chain = errorChain(err);
  for (const e of chain.toReversed()) {
    if (typeof e.message === 'string' && e.message !== '') return e.message;
    if (typeof e.code === 'string') return e.code;
  }
  return String(err);
}
