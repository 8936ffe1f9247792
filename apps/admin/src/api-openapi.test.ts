import { Validator } from '@seriousme/openapi-schema-validator';
import { PERMISSIONS } from '@rustronaut/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../test/harness.js';
import { isOrgScoped, labelOf, successStatus, type JsonSchema, type Operation } from '../test/openapi-operations.js';
import { fetchOpenApi, registeredRoutes, type OpenApi, type RegisteredRoute } from '../test/openapi-world.js';

// The document does not depend on the database: PGlite is enough.
const [driver] = testDrivers();

/** Operations the OpenAPI acceptance covers: the API itself and the well-known documents. */
const isApi = (path: string): boolean => path.startsWith('/api/v1/') || path.startsWith('/.well-known/');

const jsonSchemaOf = (content: unknown): JsonSchema | undefined => {
  const media = (content as Record<string, { schema?: JsonSchema }> | undefined) ?? {};
  return Object.values(media).find((m) => m.schema !== undefined)?.schema;
};

describe('OpenAPI document', () => {
  let t: TestAdmin;
  let api: OpenApi;
  let routes: RegisteredRoute[];
  let operations: Operation[];

  beforeAll(async () => {
    if (driver === undefined) throw new Error('no test driver');
    t = await startTestAdmin(driver);
    api = await fetchOpenApi(t);
    routes = await registeredRoutes(t);
    operations = api.operations.filter((op) => isApi(op.path));
  });
  afterAll(() => t.close());

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(api.doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(api.doc.openapi).toMatch(/^3\.1\./);
    // The validator has teeth: a document without `info` is refused.
    const broken = structuredClone(api.doc) as unknown as Record<string, unknown>;
    delete broken.info;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('lists every route of the API, and nothing that is not one', () => {
    const registered = routes.filter((r) => isApi(r.url)).map((r) => `${r.method} ${r.openApiPath}`);
    const documented = operations.map(labelOf);
    expect(registered.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...new Set(registered)].sort());
  });

  it('gives every operation a summary and tags', () => {
    const missing = operations
      .filter((op) => op.summary === undefined || op.summary.trim() === '' || !Array.isArray(op.raw.tags))
      .map(labelOf);
    expect(missing).toEqual([]);
  });

  it('declares a bounded string schema for every path parameter, and ids as UUIDs', () => {
    const branches = (schema: JsonSchema): JsonSchema[] =>
      Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [schema];
    const bounded = (schema: JsonSchema): boolean =>
      schema.type === 'string' &&
      (schema.format === 'uuid' ||
        typeof schema.maxLength === 'number' ||
        Array.isArray(schema.enum) ||
        (typeof schema.pattern === 'string' && /\{\d*,?\d+\}\$?\)?\$$/.test(schema.pattern)));
    const defects: string[] = [];
    for (const op of operations) {
      const inPath = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
      for (const name of inPath) {
        const param = op.pathParams.find((p) => p.name === name);
        if (param === undefined || !branches(param.schema).every(bounded)) {
          defects.push(`${labelOf(op)}: {${name}} has no bounded string schema`);
        } else if (/Id$/.test(name) && !branches(param.schema).some((b) => b.format === 'uuid')) {
          defects.push(`${labelOf(op)}: {${name}} is not a uuid`);
        }
      }
      for (const param of op.queryParams) {
        if (branches(param.schema).every((b) => typeof b.type !== 'string')) {
          defects.push(`${labelOf(op)}: query parameter ${param.name} has no schema`);
        }
      }
    }
    expect(defects).toEqual([]);
  });

  it('declares a strict JSON body schema for every PATCH and PUT, and for every POST that takes fields', () => {
    const defects: string[] = [];
    for (const op of operations) {
      if ((op.method === 'PATCH' || op.method === 'PUT') && op.body === undefined) defects.push(labelOf(op));
      if (op.body === undefined) continue;
      const strict = (schema: JsonSchema): boolean =>
        schema.additionalProperties === false ||
        schema.type === 'null' ||
        (['oneOf', 'anyOf'] as const).some(
          (key) => Array.isArray(schema[key]) && (schema[key] as JsonSchema[]).every(strict),
        );
      if (!strict(op.body)) defects.push(`${labelOf(op)}: the body accepts unknown fields`);
    }
    expect(defects).toEqual([]);
  });

  it('declares a response schema for the success status of every operation', () => {
    const defects: string[] = [];
    for (const op of operations) {
      const status = successStatus(op);
      // A browser step (the single sign-on redirects) succeeds with 302 and nothing else: no body to describe.
      const redirectOnly = Object.keys(op.raw.responses as object).join() === '302';
      if (status === undefined && !redirectOnly) {
        defects.push(`${labelOf(op)}: no 2xx response`);
        continue;
      }
      if (status === undefined) continue;
      if (status === 204) continue;
      const response = (op.raw.responses as Record<string, { content?: unknown }>)[String(status)];
      if (jsonSchemaOf(response?.content) === undefined)
        defects.push(`${labelOf(op)}: ${String(status)} has no schema`);
    }
    expect(defects).toEqual([]);
  });

  it('answers 201 to creates and 204 to deletes', () => {
    const defects: string[] = [];
    for (const op of operations.filter((o) => o.path.startsWith('/api/v1/orgs/{orgId}/'))) {
      const status = successStatus(op);
      if (op.method === 'DELETE' && status !== 204) defects.push(`${labelOf(op)}: ${String(status)}`);
      const isCollection = !op.path.endsWith('}') && op.path.split('/').length === 6;
      if (op.method === 'POST' && isCollection && status !== 201) defects.push(`${labelOf(op)}: ${String(status)}`);
    }
    expect(defects).toEqual([]);
  });

  it('paginates every list with limit and cursor', () => {
    const defects: string[] = [];
    for (const op of operations.filter((o) => o.method === 'GET')) {
      const schema = jsonSchemaOf(
        (op.raw.responses as Record<string, { content?: unknown }>)[String(successStatus(op))]?.content,
      );
      const properties = (schema?.properties ?? {}) as Record<string, unknown>;
      if (!('items' in properties && 'nextCursor' in properties)) continue;
      const names = op.queryParams.map((p) => p.name);
      if (!names.includes('limit') || !names.includes('cursor')) defects.push(labelOf(op));
    }
    expect(defects).toEqual([]);
  });

  it('names a known permission (x-permission) on every org-scoped operation, as the route config says', () => {
    const known = new Set<string>(PERMISSIONS);
    const defects: string[] = [];
    for (const op of operations.filter(isOrgScoped)) {
      if (op.permission === undefined || !known.has(op.permission)) {
        defects.push(`${labelOf(op)}: ${String(op.permission)}`);
        continue;
      }
      const route = routes.find((r) => r.method === op.method && r.openApiPath === op.path);
      if (route?.config.permission !== op.permission) defects.push(`${labelOf(op)}: config differs`);
    }
    expect(operations.filter(isOrgScoped).length).toBeGreaterThan(0);
    expect(defects).toEqual([]);
  });
});
