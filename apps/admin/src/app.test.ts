import { errors } from '@rustronaut/errors';
import { openPglite, type Database } from '@rustronaut/db';
import { createLogger } from '@rustronaut/observability';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '@rustronaut/config';
import { randomBytes } from 'node:crypto';
import { BODY_LIMIT_BYTES, buildApp, createAdminContext } from './index.js';

const contextOn = (db: Database, version: string) =>
  createAdminContext({
    config: loadConfig({}),
    logger: createLogger({ level: 'silent', format: 'json' }),
    database: db,
    masterKey: randomBytes(32),
    version,
  });

let database: Database;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  database = await openPglite({});
  await database.migrate();
  app = buildApp(contextOn(database, '1.2.3'));
  // Routes that exercise the error handler the way real modules will.
  app
    .withTypeProvider<ZodTypeProvider>()
    .post(
      '/api/v1/test/echo',
      { schema: { body: z.object({ name: z.string().min(2), tags: z.array(z.string()).optional() }).strict() } },
      (req) => req.body,
    );
  app.get('/api/v1/test/conflict', () => {
    throw errors.dbUniqueViolation.create('a setting with this key exists');
  });
  app.get('/api/v1/test/crash', () => {
    throw new Error('secret internal detail');
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const problem = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await res.json()) as Record<string, unknown>;
};
const post = (path: string, body: string, type = 'application/json') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('admin system routes', () => {
  it('GET /healthz answers ok with a request id', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /readyz is ready while the database answers, and 503 with a code when it does not', async () => {
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
    const closed = await openPglite({});
    await closed.close();
    const down = buildApp(contextOn(closed, '0'));
    const url = await down.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      expect(await problem(res)).toMatchObject({ code: 'ERR_DB_UNAVAILABLE' });
      expect((await fetch(`${url}/healthz`)).status).toBe(200); // alive, just not ready
    } finally {
      await down.close();
    }
  });

  it('GET /api/v1/version reports the build and the database driver', async () => {
    const res = await fetch(`${base}/api/v1/version`, { headers: { 'x-request-id': 'trace-1' } });
    expect(await res.json()).toEqual({
      name: 'rustronaut',
      version: '1.2.3',
      node: process.versions.node,
      database: 'pglite',
    });
    expect(res.headers.get('x-request-id')).toBe('trace-1');
  });

  it('GET / serves the console page (plugins/console.test.ts has the details) with a strict CSP', async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(await res.text()).toMatch(/<title>Rustronaut/);
  });
});

describe('admin error handling', () => {
  it('answers unknown routes with a 404 problem document', async () => {
    const res = await fetch(`${base}/api/v1/nope?x=1`);
    expect(res.status).toBe(404);
    expect(await problem(res)).toMatchObject({
      status: 404,
      code: 'ERR_NOT_FOUND',
      detail: 'no route for GET /api/v1/nope',
    });
  });

  it('rejects a body that breaks the schema, naming every field', async () => {
    const res = await post('/api/v1/test/echo', JSON.stringify({ name: 'x', extra: true }));
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body['code']).toBe('ERR_VALIDATION');
    expect(body['errors']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'body.name' }),
        expect.objectContaining({ field: 'body' }),
      ]),
    );
    const nested = await problem(await post('/api/v1/test/echo', JSON.stringify({ name: 'ok', tags: ['a', 1] })));
    expect(nested['errors']).toEqual([expect.objectContaining({ field: 'body.tags.1' })]);
  });

  it('accepts a valid body', async () => {
    const res = await post('/api/v1/test/echo', JSON.stringify({ name: 'ok' }));
    expect([res.status, await res.json()]).toEqual([200, { name: 'ok' }]);
  });

  it.each([
    ['malformed JSON', '{"name":', 'application/json', 400, 'ERR_BAD_REQUEST'],
    ['an empty JSON body', '', 'application/json', 400, 'ERR_BAD_REQUEST'],
    ['an unsupported content type', 'name=x', 'application/x-www-form-urlencoded', 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    [
      'a body over the limit',
      JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES) }),
      'application/json',
      413,
      'ERR_BODY_TOO_LARGE',
    ],
  ])('answers %s with a precise status and code', async (_what, body, type, status, code) => {
    const res = await post('/api/v1/test/echo', body, type);
    expect(res.status).toBe(status);
    expect(await problem(res)).toMatchObject({ status, code });
  });

  it('maps an AppError to its status and code', async () => {
    const res = await fetch(`${base}/api/v1/test/conflict`);
    expect(res.status).toBe(409);
    expect(await problem(res)).toMatchObject({ code: 'ERR_DB_CONFLICT', detail: 'a setting with this key exists' });
  });

  it('hides unexpected errors behind ERR_INTERNAL and the request id', async () => {
    const res = await fetch(`${base}/api/v1/test/crash`, { headers: { 'x-request-id': 'crash-1' } });
    expect(res.status).toBe(500);
    const body = await problem(res);
    expect(body).toMatchObject({ code: 'ERR_INTERNAL', requestId: 'crash-1' });
    expect(JSON.stringify(body)).not.toContain('secret internal detail');
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<
        string,
        Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('1.2.3');
    const version = doc.paths['/api/v1/version']?.['get']?.responses?.['200']?.content?.['application/json']?.schema;
    expect(version).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['name', 'version', 'node', 'database']) as unknown,
    });
    expect(doc.paths['/']).toBeUndefined(); // the placeholder page is not API
  });

  it('documents a response schema for every API operation', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path.startsWith('/api/v1/test/')) continue; // this file's own fixtures
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses ?? {});
        // A browser step of single sign-on succeeds with a redirect and nothing else.
        if (statuses.join() === '302') continue;
        const success = statuses.filter((status) => status.startsWith('2'));
        expect(success, `${method} ${path}`).not.toEqual([]);
      }
    }
  });

  it('serves the docs UI with a strict Content-Security-Policy', async () => {
    const res = await fetch(`${base}/api/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
