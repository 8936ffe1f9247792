import { shown } from './format.js';
import { PolicyError } from './policy-error.js';

// Checks shared by the compilers, so every rejected value reads the same way: "<field>: <problem>".

/** Throws a `PolicyError` naming `field`. */
export function fail(field: string, problem: string): never {
  throw new PolicyError(field, problem);
}

/** The path of `key` inside `field`; `field` is `''` at the root of the input. */
const child = (field: string, key: string): string => (field === '' ? key : `${field}.${key}`);

/**
 * `value` as a plain object holding only `keys`. Unknown keys are refused rather than ignored: a misspelt
 * criterion in an allow rule would otherwise silently widen it.
 */
export function checkObject(value: unknown, field: string, keys: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(field === '' ? 'policy' : field, `must be an object, got ${shown(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail(child(field, key), `is not a known field (expected one of ${keys.join(', ')})`);
  }
  return value as Readonly<Record<string, unknown>>;
}

/**
 * `value` as a non-empty array. An empty list would match nothing, which is never what a rule means:
 * omit the field to match anything.
 */
export function checkList(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(field, `must be an array, got ${shown(value)}`);
  if (value.length === 0) fail(field, 'must not be empty (omit the field to match anything)');
  return value;
}

/** `value` as a non-empty string without control characters (ids, role names). */
export function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') fail(field, `must be a non-empty string, got ${shown(value)}`);
  if (hasControl(value)) fail(field, `must not contain control characters, got ${shown(value)}`);
  return value;
}

/** C0 controls, DEL and C1 controls. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
