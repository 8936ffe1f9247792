// Formatting shared by error messages and explanations.

const MAX_SHOWN = 60;
const MAX_LISTED = 5;

/** A value as an error message or explanation quotes it: strings JSON-quoted and cut short, others by kind. */
export function shown(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
  }
  if (Array.isArray(value)) return `an array of ${String(value.length)}`;
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
    case 'undefined':
      return String(value);
    case 'function':
      return 'a function';
    default:
      return value === null ? 'null' : 'an object';
  }
}

/** `a, b, c` — at most five entries, then `and 3 more`, so an explanation stays one line. */
export function listed(values: readonly string[]): string {
  if (values.length <= MAX_LISTED) return values.join(', ');
  return `${values.slice(0, MAX_LISTED).join(', ')} and ${String(values.length - MAX_LISTED)} more`;
}
