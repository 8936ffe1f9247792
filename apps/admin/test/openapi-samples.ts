/**
 * Plausible values for JSON schemas of the admin's OpenAPI document: the smallest value a schema accepts, with
 * strings picked by format, enum, pattern and the field's name (`email`, `host`, `cidr`, ...), so that a request
 * built from them passes validation.
 */
import { randomUUID } from 'node:crypto';
import type { JsonSchema } from './openapi-operations.js';
import { selfSignedCaPem } from './self-signed-ca.js';

/** What a sample may draw on. */
export interface SampleContext {
  /** Resolves `$ref`s. */
  readonly resolve: (schema: JsonSchema) => JsonSchema;
  /** Known ids by field or parameter name (`orgId`, `siteId`, `userId`), used for uuid fields of that name. */
  readonly ids: Readonly<Record<string, string>>;
  /** Lower-case letters and digits that make names, hosts and emails unique per request. */
  readonly salt: string;
  /** Values to use for fields of these names, whatever their schema says. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

const record = (value: unknown): JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : {};

/** The schema's types, `type: ['string', 'null']` included; empty when it declares none. */
export function typesOf(schema: JsonSchema): string[] {
  const { type } = schema;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
  return [];
}

/** The first non-null type of a schema, looking through `anyOf`/`oneOf` and `allOf`. */
export function mainType(schema: JsonSchema, resolve: SampleContext['resolve']): string | undefined {
  const own = typesOf(schema).find((t) => t !== 'null');
  if (own !== undefined) return own;
  if (schema.const !== undefined) return typeof schema.const === 'number' ? 'number' : typeof schema.const;
  if (Array.isArray(schema.enum)) {
    const first: unknown = schema.enum.find((v) => v !== null);
    return typeof first === 'number' ? 'number' : typeof first;
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      const type = mainType(resolve(record(branch)), resolve);
      if (type !== undefined && type !== 'null') return type;
    }
  }
  if (schema.properties !== undefined) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

/** Merges `allOf` branches into one schema (good enough for the objects zod emits). */
function flatten(schema: JsonSchema, resolve: SampleContext['resolve']): JsonSchema {
  const own = resolve(schema);
  if (!Array.isArray(own.allOf)) return own;
  const merged: Record<string, unknown> = { ...own, allOf: undefined };
  for (const branch of own.allOf) {
    const part = flatten(record(branch), resolve);
    merged.properties = { ...record(merged.properties), ...record(part.properties) };
    const required = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);
    merged.required = [...required(merged.required), ...required(part.required)];
    for (const [key, value] of Object.entries(part)) if (!(key in merged)) merged[key] = value;
  }
  return merged;
}

/** The branch of a union to sample: the first that is not `null`. */
function pickBranch(schema: JsonSchema, resolve: SampleContext['resolve']): JsonSchema {
  const own = flatten(schema, resolve);
  for (const key of ['anyOf', 'oneOf']) {
    const branches = own[key];
    if (!Array.isArray(branches)) continue;
    const chosen = branches.map((b) => flatten(record(b), resolve)).find((b) => typesOf(b).join() !== 'null');
    if (chosen !== undefined) return pickBranch(chosen, resolve);
  }
  return own;
}

/** The properties of an object schema, with which of them are required. */
export function objectShape(
  schema: JsonSchema,
  resolve: SampleContext['resolve'],
): { properties: Record<string, JsonSchema>; required: string[]; strict: boolean } {
  const own = pickBranch(schema, resolve);
  const properties: Record<string, JsonSchema> = {};
  for (const [name, value] of Object.entries(record(own.properties))) properties[name] = resolve(record(value));
  const required = Array.isArray(own.required) ? own.required.filter((r): r is string => typeof r === 'string') : [];
  return { properties, required, strict: own.additionalProperties === false };
}

const FORMAT_CHECKS: Record<string, (value: string) => boolean> = {
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  email: (v) => /^[^\s@'"]+@[^\s@'"]+\.[a-z]{2,}$/i.test(v),
  'date-time': (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v),
  ipv4: (v) => /^(\d{1,3}\.){3}\d{1,3}$/.test(v),
  ipv6: (v) => /^[0-9a-f:]+$/i.test(v) && v.includes(':'),
  uri: (v) => /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v),
  url: (v) => /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v),
  hostname: (v) => /^[a-z0-9.-]+$/i.test(v),
  cidrv4: (v) => /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(v),
  cidrv6: (v) => /^[0-9a-f:]+\/\d{1,3}$/i.test(v),
};

/**
 * Whether a string satisfies a string schema's enum, const, length, pattern and format (the formats zod emits;
 * unknown formats accept anything). Used to pick samples and to tell which garbage a field must refuse.
 */
export function stringAccepted(schema: JsonSchema, value: string): boolean {
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false;
  if (schema.const !== undefined && schema.const !== value) return false;
  const length = [...value].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) return false;
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) return false;
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return false;
  const check = typeof schema.format === 'string' ? FORMAT_CHECKS[schema.format] : undefined;
  return check === undefined || check(value);
}

/** Candidate strings for a field, most specific first; the first the schema accepts is used. */
function stringCandidates(name: string, schema: JsonSchema, ctx: SampleContext): string[] {
  const salt = ctx.salt;
  const lower = name.toLowerCase();
  const byFormat: Record<string, string[]> = {
    uuid: [ctx.ids[name] ?? randomUUID()],
    email: [`user-${salt}@example.com`],
    'date-time': [new Date(Date.now() + 30 * 86_400_000).toISOString()],
    date: [new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)],
    ipv4: ['192.0.2.10'],
    ipv6: ['2001:db8::10'],
    cidrv4: ['10.99.0.0/24'],
    cidrv6: ['fd00:99::/64'],
    uri: [`https://${salt}.example.com/`],
    url: [`https://${salt}.example.com/`],
    hostname: [`${salt}.example.com`],
  };
  const fromFormat = typeof schema.format === 'string' ? (byFormat[schema.format] ?? []) : [];
  const byName: string[] = [];
  if (lower === 'certificatepem') byName.push(selfSignedCaPem(`Sample ${salt}`));
  if (lower.endsWith('id') && ctx.ids[name] !== undefined) byName.push(ctx.ids[name]);
  if (lower.includes('email')) byName.push(`user-${salt}@example.com`);
  if (lower.includes('host') || lower.includes('domain') || lower === 'sni') byName.push(`${salt}.example.com`);
  if (lower.includes('url') || lower.includes('uri')) byName.push(`https://${salt}.example.com/`);
  if (lower.includes('cidr') || lower.includes('network') || lower.includes('subnet')) byName.push('10.99.0.0/24');
  if (lower.includes('address') || lower === 'ip') byName.push('192.0.2.10', '192.0.2.10:8080');
  if (lower.includes('path')) byName.push('/', `/${salt}`);
  if (lower.includes('password') || lower.includes('secret')) byName.push(`pw-${salt}-correct-horse-battery`);
  if (lower.includes('key')) byName.push(`key-${salt}`);
  if (lower === 'totp' || lower === 'code') byName.push('123456');
  if (lower.includes('permission')) byName.push('resource:read');
  if (lower.includes('role')) byName.push('viewer');
  if (lower.includes('time') || lower.endsWith('at') || lower.includes('expir')) {
    byName.push(new Date(Date.now() + 30 * 86_400_000).toISOString());
  }
  const generic = [
    `x${salt}`,
    `example-${salt}`,
    `Example ${salt}`,
    `${salt}.example.com`,
    `https://${salt}.example.com/`,
    `user-${salt}@example.com`,
    '/',
    '192.0.2.10',
    '10.99.0.0/24',
    'a',
    '1',
    '123456',
  ];
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const padded = minLength > 0 ? [`x${salt}`.padEnd(minLength, 'x'), 'x'.repeat(minLength)] : [];
  return [...fromFormat, ...byName, ...generic, ...padded];
}

/** Characters tried for a character class, in order. */
const CLASS_CHARS = ['a', 'x', 'A', 'X', '0', '1', '-', '_', '.', ':', '/', ' '];

/** The end of the group or class that opens at `start` (index of the closing bracket). */
function closing(pattern: string, start: number): number {
  const [open, close] = pattern[start] === '[' ? ['[', ']'] : ['(', ')'];
  let depth = 0;
  for (let i = start; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') i++;
    else if (ch === open && (open === '(' || i === start)) depth++;
    else if (ch === close && --depth === 0) return i;
  }
  return pattern.length - 1;
}

/**
 * A string matching a simple regular expression (anchors, classes, escapes, groups, alternatives and
 * quantifiers), built by taking the first alternative and the fewest repetitions; a last resort when no
 * candidate fits. Returns undefined when the result does not match after all.
 */
export function stringFromPattern(pattern: string): string | undefined {
  const build = (source: string): string => {
    const alternatives: string[] = [];
    let from = 0;
    for (let i = 0; i < source.length; i++) {
      const ch = source[i];
      if (ch === '\\') i++;
      else if (ch === '(' || ch === '[') i = closing(source, i);
      else if (ch === '|') {
        alternatives.push(source.slice(from, i));
        from = i + 1;
      }
    }
    alternatives.push(source.slice(from));
    const first = (alternatives[0] ?? '').replace(/^\^/, '').replace(/\$$/, '');
    let out = '';
    for (let i = 0; i < first.length; i++) {
      let atom: string;
      const ch = first[i] ?? '';
      if (ch === '[') {
        const end = closing(first, i);
        const cls = first.slice(i, end + 1);
        atom = CLASS_CHARS.find((c) => new RegExp(`^${cls}$`, 'u').test(c)) ?? 'a';
        i = end;
      } else if (ch === '(') {
        const end = closing(first, i);
        atom = build(first.slice(i + 1, end).replace(/^\?:/, ''));
        i = end;
      } else if (ch === '\\') {
        const next = first[i + 1] ?? '';
        atom = { d: '0', w: 'a', s: ' ', D: 'a', W: '-', S: 'a' }[next] ?? next;
        i++;
        if ((next === 'p' || next === 'P') && first[i + 1] === '{') {
          i = first.indexOf('}', i);
          atom = 'a';
        }
      } else if (ch === '.') {
        atom = 'a';
      } else {
        atom = ch;
      }
      const quantifier = /^(\{(\d+)(,\d*)?\}|[+*?])/.exec(first.slice(i + 1));
      let times = 1;
      if (quantifier !== null) {
        times = quantifier[1] === '+' ? 1 : quantifier[1] === '*' || quantifier[1] === '?' ? 0 : Number(quantifier[2]);
        i += quantifier[0].length;
      }
      out += atom.repeat(times);
    }
    return out;
  };
  try {
    const value = build(pattern);
    return new RegExp(pattern, 'u').test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A value of a string schema, or throws naming the field when no candidate fits. */
function sampleString(name: string, schema: JsonSchema, ctx: SampleContext): string {
  if (Array.isArray(schema.enum)) {
    const first: unknown = schema.enum.find((v) => typeof v === 'string');
    if (typeof first === 'string') return first;
  }
  if (typeof schema.const === 'string') return schema.const;
  if (typeof schema.default === 'string') return schema.default;
  const fromPattern = typeof schema.pattern === 'string' ? stringFromPattern(schema.pattern) : undefined;
  const fit = [...stringCandidates(name, schema, ctx), ...(fromPattern === undefined ? [] : [fromPattern])].find(
    (candidate) => stringAccepted(schema, candidate),
  );
  if (fit === undefined) {
    throw new Error(
      `openapi-samples: no sample for string field "${name}" (${JSON.stringify(schema)}); add a candidate`,
    );
  }
  return fit;
}

function sampleNumber(name: string, schema: JsonSchema, integer: boolean): number {
  if (typeof schema.default === 'number') return schema.default;
  const min =
    typeof schema.minimum === 'number'
      ? schema.minimum
      : typeof schema.exclusiveMinimum === 'number'
        ? schema.exclusiveMinimum + 1
        : undefined;
  const max =
    typeof schema.maximum === 'number'
      ? schema.maximum
      : typeof schema.exclusiveMaximum === 'number'
        ? schema.exclusiveMaximum - 1
        : undefined;
  // Ports and counts: a mid-range value is the most plausible.
  let value = name.toLowerCase().includes('port') ? 8080 : 1;
  if (min !== undefined && value < min) value = min;
  if (max !== undefined && value > max) value = max;
  return integer ? Math.ceil(value) : value;
}

/**
 * A small valid value of `schema`. Objects get their required properties only (all of them with
 * `withOptional`), arrays one item (or their `minItems`).
 */
export function sampleValue(name: string, schema: JsonSchema, ctx: SampleContext, withOptional = false): unknown {
  if (ctx.overrides !== undefined && name in ctx.overrides) return ctx.overrides[name];
  const own = pickBranch(schema, ctx.resolve);
  if (own.const !== undefined) return own.const;
  if (Array.isArray(own.enum) && own.enum.length > 0) return own.enum.find((v) => v !== null) ?? own.enum[0];
  const type = mainType(own, ctx.resolve);
  switch (type) {
    case 'string':
      return sampleString(name, own, ctx);
    case 'integer':
      return sampleNumber(name, own, true);
    case 'number':
      return sampleNumber(name, own, false);
    case 'boolean':
      return typeof own.default === 'boolean' ? own.default : true;
    case 'array': {
      const items = ctx.resolve(record(own.items));
      // Items of no declared shape (`{}`): nothing plausible to put in, so none unless some are required.
      if (mainType(items, ctx.resolve) === undefined && !(typeof own.minItems === 'number' && own.minItems > 0)) {
        return [];
      }
      // One item unless the schema asks for more (or for none): an empty list is rarely a plausible value.
      const count = Math.min(
        Math.max(typeof own.minItems === 'number' ? own.minItems : 0, 1),
        typeof own.maxItems === 'number' ? own.maxItems : Number.POSITIVE_INFINITY,
      );
      const singular = name.endsWith('s') ? name.slice(0, -1) : name;
      const values: unknown[] = [];
      for (let i = 0; i < count; i++) {
        values.push(sampleValue(singular, items, { ...ctx, salt: i === 0 ? ctx.salt : `${ctx.salt}${i}` }));
      }
      return values;
    }
    case 'object': {
      const shape = objectShape(own, ctx.resolve);
      const value: Record<string, unknown> = {};
      // Without required fields, the first one: a body of only optional fields usually needs at least one.
      const first = shape.required.length === 0 ? Object.keys(shape.properties)[0] : undefined;
      for (const [field, fieldSchema] of Object.entries(shape.properties)) {
        const wanted =
          shape.required.includes(field) || field === first || (ctx.overrides !== undefined && field in ctx.overrides);
        if (wanted || withOptional) value[field] = sampleValue(field, fieldSchema, ctx, withOptional);
      }
      return value;
    }
    case 'null':
      return null;
    default:
      return `x${ctx.salt}`;
  }
}
