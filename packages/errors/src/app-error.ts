/** Options accepted when raising an {@link AppError}. */
export interface AppErrorOptions {
  /** The underlying error, kept for logs; never sent to clients. */
  cause?: unknown;
  /** Structured, client-safe details (e.g. the fields that failed validation). */
  details?: Record<string, unknown>;
}

/**
 * An error with a stable code from the registry. Match on `err.code`, not `instanceof`:
 * two copies of this package may be loaded in one process.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  /** Stable `ERR_<AREA>_<REASON>` code, listed in docs/errors.md. */
  readonly code: string;
  /** HTTP status this error maps to. */
  readonly status: number;
  /** Client-safe details, if any. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, status: number, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = status;
    this.details = options.details;
  }
}
