import { AppError, type AppErrorOptions } from './app-error.js';

/** One entry of the error registry. */
export interface ErrorDefinition<Code extends string = string> {
  /** Stable code, `ERR_<AREA>_<REASON>`. */
  readonly code: Code;
  /** HTTP status the code maps to. */
  readonly status: number;
  /** One sentence for docs/errors.md: when the error happens and what to do. */
  readonly description: string;
  /** Raise this error with a message for humans. */
  create(message: string, options?: AppErrorOptions): AppError & { readonly code: Code };
}

const CODE_PATTERN = /^ERR(?:_[A-Z0-9]+)+$/;

/**
 * Declares an error code. Checks its arguments up front so a bad definition fails at import time.
 */
export function defineError<Code extends string>(
  code: Code,
  status: number,
  description: string,
): ErrorDefinition<Code> {
  if (!CODE_PATTERN.test(code)) throw new TypeError(`error code must look like ERR_AREA_REASON, got "${code}"`);
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new TypeError(`${code}: status must be a 4xx or 5xx integer, got ${String(status)}`);
  }
  if (description.trim() === '') throw new TypeError(`${code}: description must not be empty`);
  return {
    code,
    status,
    description,
    create: (message, options) => new AppError(code, status, message, options) as AppError & { readonly code: Code },
  };
}
