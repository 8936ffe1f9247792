/**
 * Requests built from the admin's OpenAPI document: for every operation a minimal valid request, and the garbage
 * variants acceptance 5 of the admin issue asks for (wrong types, unknown and missing fields, malformed, oversized
 * and non-object JSON, huge strings, SQL meta-characters, negative, huge and NaN-like numbers, non-UUID path
 * parameters, bad query parameters). Every garbage variant breaks the schema in exactly one place, so a route
 * that answers it with anything but a 4xx problem document has a hole.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { resolveRef, type JsonSchema, type OpenApiDocument, type Operation } from './openapi-operations.js';
import { mainType, objectShape, sampleValue, stringAccepted, typesOf, type SampleContext } from './openapi-samples.js';

/** A request ready to send: the body is raw text (sent as `application/json` unless `headers` say otherwise). */
export interface ApiRequest {
  readonly method: string;
  /** Path with parameters filled in and the query string, if any. */
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** What is wrong with it (garbage) or `minimal`. */
  readonly why: string;
}

/** What a request is built from. */
export interface BuildOptions {
  /** Ids by parameter or field name (`orgId`, `siteId`, ...); other uuid parameters get random UUIDs. */
  readonly ids?: Readonly<Record<string, string>>;
  /** Values for body fields of these names. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Makes names, hosts and emails unique; random when omitted. */
  readonly salt?: string;
  /** Fill optional body fields too. */
  readonly withOptional?: boolean;
}

/** A fresh salt: lower-case letters and digits, starting with a letter. */
export const newSalt = (): string => `s${randomBytes(5).toString('hex')}`;

/** The body of a huge-string variant: 100,000 characters. */
export const HUGE_STRING = 'A'.repeat(100_000);
/** SQL meta-characters: as data they must be stored literally; where a field refuses them, 4xx. */
export const SQL_META = ["' OR 1=1 --", '"; DROP TABLE users; --'];
/** Body of the oversized variant: over the admin's 1 MiB body limit. */
const OVERSIZED = JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 1024) });
/** Path parameter values that are not ids. */
const BAD_PATH_VALUES = ['not-a-uuid', "' OR 1=1 --", 'x'.repeat(300)];

const sampleContext = (doc: OpenApiDocument, options: BuildOptions): SampleContext => ({
  resolve: (schema) => resolveRef(doc, schema),
  ids: options.ids ?? {},
  salt: options.salt ?? newSalt(),
  overrides: options.overrides,
});

/** The path of `op` with its parameters filled: given ids, else random UUIDs (else a sample of the schema). */
export function fillPath(
  op: Operation,
  doc: OpenApiDocument,
  options: BuildOptions,
  replace: Readonly<Record<string, string>> = {},
): string {
  const ctx = sampleContext(doc, options);
  let path = op.path;
  for (const param of op.pathParams) {
    const value =
      replace[param.name] ??
      options.ids?.[param.name] ??
      (param.schema.format === 'uuid' || /id$/i.test(param.name)
        ? randomUUID()
        : String(sampleValue(param.name, param.schema, ctx)));
    path = path.replace(`{${param.name}}`, encodeURIComponent(value));
  }
  return path;
}

/** The query string of the required query parameters (with samples), or of `query` when given. */
function queryOf(op: Operation, ctx: SampleContext, query?: Readonly<Record<string, string | string[]>>): string {
  const params = new URLSearchParams();
  if (query === undefined) {
    for (const param of op.queryParams.filter((p) => p.required)) {
      params.set(param.name, String(sampleValue(param.name, param.schema, ctx)));
    }
  } else {
    for (const [name, value] of Object.entries(query)) {
      for (const one of Array.isArray(value) ? value : [value]) params.append(name, one);
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The minimal valid body of `op` (undefined when it takes none). */
export function minimalBody(op: Operation, doc: OpenApiDocument, options: BuildOptions = {}): unknown {
  if (op.body === undefined) return undefined;
  return sampleValue('body', op.body, sampleContext(doc, options), options.withOptional === true);
}

/** A minimal valid request for `op`: path filled, required query parameters and body fields sampled. */
export function minimalRequest(op: Operation, doc: OpenApiDocument, options: BuildOptions = {}): ApiRequest {
  const ctx = sampleContext(doc, options);
  const body = minimalBody(op, doc, { ...options, salt: ctx.salt });
  return {
    method: op.method,
    path: fillPath(op, doc, options) + queryOf(op, ctx),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    why: 'minimal',
  };
}

/** A JSON value of a type the schema does not allow, or undefined when it allows every type. */
function wrongTypeValue(schema: JsonSchema, resolve: SampleContext['resolve']): unknown {
  const allowed = new Set<string>();
  const collect = (s: JsonSchema): void => {
    for (const t of typesOf(s)) allowed.add(t === 'integer' ? 'number' : t);
    const type = mainType(s, resolve);
    if (type !== undefined) allowed.add(type === 'integer' ? 'number' : type);
    for (const key of ['anyOf', 'oneOf']) {
      const branches = s[key];
      if (Array.isArray(branches)) for (const b of branches) collect(resolve(b as JsonSchema));
    }
  };
  collect(schema);
  if (allowed.size === 0) return undefined;
  const candidates: [string, unknown][] = [
    ['number', 12345],
    ['string', 'not-the-right-type'],
    ['boolean', true],
    ['object', { not: 'expected' }],
    ['array', ['not', 'expected']],
  ];
  return candidates.find(([type]) => !allowed.has(type))?.[1];
}

function numberAccepted(schema: JsonSchema, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (typesOf(schema).includes('integer') && !Number.isInteger(value)) return false;
  if (typeof schema.minimum === 'number' && value < schema.minimum) return false;
  if (typeof schema.maximum === 'number' && value > schema.maximum) return false;
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) return false;
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) return false;
  return true;
}

/** A body variant: the minimal body with the value at `path` replaced (or removed when `value` is REMOVE). */
const REMOVE = Symbol('remove');
function withValue(body: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let cursor: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last === undefined) return value;
  if (value === REMOVE) delete cursor[last];
  else cursor[last] = value;
  return copy;
}

const fieldName = (path: readonly (string | number)[]): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${String(key)}]` : acc === '' ? key : `${acc}.${key}`),
    '',
  );

/** Raw JSON for a body whose value at `path` is a number JSON can write but JavaScript cannot hold (1e400). */
function withRawNumber(body: unknown, path: readonly (string | number)[], raw: string): string {
  const marker = `__raw_${randomBytes(4).toString('hex')}__`;
  return JSON.stringify(withValue(body, path, marker)).replace(`"${marker}"`, raw);
}

/** Garbage bodies for the field at `path` (and, for objects and arrays of objects, its fields). */
function fieldGarbage(
  body: unknown,
  path: readonly (string | number)[],
  schema: JsonSchema,
  required: boolean,
  ctx: SampleContext,
  depth: number,
): { why: string; body: string }[] {
  const out: { why: string; body: string }[] = [];
  const name = `body.${fieldName(path)}`;
  const push = (why: string, value: unknown): void => {
    out.push({ why: `${name}: ${why}`, body: JSON.stringify(withValue(body, path, value)) });
  };
  const wrong = wrongTypeValue(schema, ctx.resolve);
  if (wrong !== undefined) push(`wrong type (${JSON.stringify(wrong)})`, wrong);
  const types = new Set(typesOf(schema));
  const nullable =
    types.has('null') ||
    (Array.isArray(schema.anyOf) && schema.anyOf.some((b) => typesOf(ctx.resolve(b as JsonSchema)).includes('null')));
  if (!nullable) push('null', null);
  if (required) out.push({ why: `${name}: missing`, body: JSON.stringify(withValue(body, path, REMOVE)) });

  const type = mainType(schema, ctx.resolve);
  const own = ctx.resolve(schema);
  if (type === 'string') {
    push('huge string (100k characters)', HUGE_STRING);
    // PostgreSQL cannot store NUL in text or JSON: a 400, not a 500, whatever the schema says. A password may
    // hold any character: one with NUL is just a wrong password (a failed sign-in, rightly recorded).
    if (!/password/i.test(String(path.at(-1)))) push('NUL character', 'a\u0000b');
    for (const meta of SQL_META) if (!stringAccepted(own, meta)) push(`SQL meta-characters ${meta}`, meta);
    if (!stringAccepted(own, '')) push('empty string', '');
  } else if (type === 'number' || type === 'integer') {
    // Huge numbers always: no number of this API is meant to be that large, and a column would overflow.
    for (const n of [1e308, -1e308, 2 ** 53 + 2]) push(`number ${String(n)}`, n);
    for (const n of [-1, 1.5]) if (!numberAccepted(own, n)) push(`number ${String(n)}`, n);
    push('NaN as a string', 'NaN');
    out.push({ why: `${name}: 1e400 (Infinity)`, body: withRawNumber(body, path, '1e400') });
  } else if (type === 'object' && depth < 3) {
    const shape = objectShape(own, ctx.resolve);
    const current = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], body);
    if (shape.strict && typeof current === 'object' && current !== null) {
      push('unknown field', { ...current, unexpectedField: 'x' });
    }
    for (const [field, fieldSchema] of Object.entries(shape.properties)) {
      if (typeof current !== 'object' || current === null || !(field in current)) continue;
      out.push(...fieldGarbage(body, [...path, field], fieldSchema, shape.required.includes(field), ctx, depth + 1));
    }
  } else if (type === 'array' && depth < 3) {
    const items = ctx.resolve((own.items ?? {}) as JsonSchema);
    const current = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], body);
    if (Array.isArray(current) && current.length > 0) {
      out.push(...fieldGarbage(body, [...path, 0], items, false, ctx, depth + 1));
    }
  }
  return out;
}

/** Garbage query strings: bad values for each query parameter, a repeated one and an unknown one. */
function queryGarbage(op: Operation, ctx: SampleContext): { why: string; query: Record<string, string | string[]> }[] {
  const out: { why: string; query: Record<string, string | string[]> }[] = [];
  for (const param of op.queryParams) {
    const own = ctx.resolve(param.schema);
    const type = mainType(own, ctx.resolve);
    const bad: string[] = [];
    if (type === 'number' || type === 'integer') {
      for (const n of [-1, 0, 1e9, 1.5]) if (!numberAccepted(own, n)) bad.push(String(n));
      bad.push('abc', 'NaN', 'Infinity', "1' OR 1=1 --");
    } else if (type === 'boolean') {
      bad.push('maybe', "' OR 1=1 --");
    } else {
      bad.push(HUGE_STRING.slice(0, 5000));
      for (const meta of SQL_META) if (param.name === 'cursor' || !stringAccepted(own, meta)) bad.push(meta);
      if (param.name === 'cursor') bad.push('garbage', Buffer.from('not-a-uuid').toString('base64url'));
    }
    for (const value of bad) {
      out.push({ why: `query.${param.name}=${value.slice(0, 40)}`, query: { [param.name]: value } });
    }
    if (type === 'number' || type === 'integer') {
      out.push({ why: `query.${param.name} repeated`, query: { [param.name]: ['1', '2'] } });
    }
  }
  if (op.queryParams.length > 0) out.push({ why: 'unknown query parameter', query: { unexpectedParam: '1' } });
  return out;
}

/**
 * Every garbage variant of `op`. Path parameters are filled from `options.ids` (else random UUIDs) except in
 * the path variants; bodies start from the minimal valid body and break one thing each.
 */
export function garbageRequests(op: Operation, doc: OpenApiDocument, options: BuildOptions = {}): ApiRequest[] {
  const ctx = sampleContext(doc, options);
  const path = fillPath(op, doc, options);
  const base = queryOf(op, ctx);
  const out: ApiRequest[] = [];
  const add = (why: string, request: Partial<ApiRequest>): void => {
    out.push({ method: op.method, path: path + base, why, ...request });
  };

  for (const param of op.pathParams) {
    for (const value of BAD_PATH_VALUES) {
      const body = minimalBody(op, doc, { ...options, salt: ctx.salt });
      add(`path.${param.name}=${value.slice(0, 40)}`, {
        path: fillPath(op, doc, options, { [param.name]: value }) + base,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    }
  }

  const first = op.pathParams[0];
  if (first !== undefined) {
    // Malformed percent-encoding: refused by the router before any route runs.
    const marker = `raw${randomBytes(4).toString('hex')}`;
    add('path: malformed percent-encoding', {
      path: fillPath(op, doc, options, { [first.name]: marker }).replace(marker, '%E0%A4%A') + base,
    });
  }

  for (const { why, query } of queryGarbage(op, ctx)) {
    add(why, { path: path + queryOf(op, ctx, query) });
  }

  if (op.method !== 'GET') {
    // Content parsing runs for every route that can take a body, whether or not it declares one.
    add('malformed JSON', { body: '{"name": "x",' });
    add('oversized body (> 1 MiB)', { body: OVERSIZED });
  }
  if (op.body !== undefined) {
    const body = minimalBody(op, doc, { ...options, salt: ctx.salt });
    add('empty body with a JSON content type', { body: '' });
    add('JSON null instead of an object', { body: 'null' });
    add('JSON array instead of an object', { body: JSON.stringify([body]) });
    add('JSON string instead of an object', { body: '"x"' });
    add('form-encoded body', {
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const shape = objectShape(op.body, ctx.resolve);
      if (shape.strict) add('body: unknown field', { body: JSON.stringify({ ...body, unexpectedField: 'x' }) });
      const all = minimalBody(op, doc, { ...options, salt: ctx.salt, withOptional: true }) as Record<string, unknown>;
      for (const [field, schema] of Object.entries(shape.properties)) {
        const required = shape.required.includes(field);
        // Optional fields are broken inside the fullest body, so each one is present to be broken.
        const start = required ? body : { ...body, [field]: all[field] };
        for (const variant of fieldGarbage(start, [field], schema, required, ctx, 0)) add(variant.why, variant);
      }
    }
  }
  return out;
}
