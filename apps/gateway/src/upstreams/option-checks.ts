// Checks shared by the factories of this folder, so every rejected option reads the same way:
// "<field> must be <what>, got <value>".

/** Formats a rejected value for an error message. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${String(value.length)}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function checkInteger(value: unknown, min: number, max: number, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${field} must be an integer from ${String(min)} to ${String(max)}, got ${shown(value)}`);
  }
}

/** The longest delay `setTimeout` honours; a longer one fires at once (Node warns with TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
