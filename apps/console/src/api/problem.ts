/** One field problem of a validation error: `field` is `body.targets.0.url`, `querystring.to`, … */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** An RFC 9457 problem document as the admin answers it (or as the console makes up for network failures). */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly requestId?: string;
  readonly errors?: readonly FieldProblem[];
}

/** A failed API call: its problem document. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly problem: Problem) {
    super(problem.detail === '' ? problem.title : problem.detail);
  }
  get status(): number {
    return this.problem.status;
  }
  get code(): string {
    return this.problem.code;
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The problem of a failed answer: the body when it is a problem document, else one made from the status. */
export function problemFrom(status: number, statusText: string, body: unknown): Problem {
  const doc = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const errors = Array.isArray(doc.errors)
    ? doc.errors.flatMap((e: unknown) => {
        const field = text((e as Record<string, unknown> | null)?.field);
        const message = text((e as Record<string, unknown> | null)?.message);
        return field === undefined || message === undefined ? [] : [{ field, message }];
      })
    : undefined;
  const requestId = text(doc.requestId);
  return {
    status,
    code: text(doc.code) ?? `HTTP_${String(status)}`,
    title: text(doc.title) ?? (statusText || `HTTP ${String(status)}`),
    detail: text(doc.detail) ?? (typeof body === 'string' && body.length < 300 ? body : ''),
    ...(requestId === undefined ? {} : { requestId }),
    ...(errors === undefined || errors.length === 0 ? {} : { errors }),
  };
}

/**
 * Field errors of a problem by form field: `body.targets.0.url` counts for `targets` (the first message of a field
 * wins). `fields` maps a server path prefix to a form field when the names differ.
 */
export function fieldErrorsOf(
  error: unknown,
  fields: Readonly<Record<string, string>> = {},
): Readonly<Record<string, string>> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const { field, message } of error.problem.errors ?? []) {
    const path = field.replace(/^body\.?/, '');
    const top = path.split('.')[0] ?? '';
    const name = fields[path] ?? fields[top] ?? (top === '' ? '_' : top);
    out[name] ??= message;
  }
  return out;
}

/** One sentence for a banner: the message, with the request id to quote to whoever reads the server log. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const id = error.problem.requestId === undefined ? '' : ` (request ${error.problem.requestId})`;
    return `${error.message}${id}`;
  }
  return error instanceof Error ? error.message : String(error);
}
