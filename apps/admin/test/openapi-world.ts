/**
 * Test fixtures driven by the OpenAPI document: fetch it from a running admin, fill an organisation with one
 * object of every kind the API creates, snapshot what an organisation holds, and count every table's rows.
 */
import { gateways, newId } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { createTestCa } from '@rustronaut/testkit';
import { generateKeyPair } from '@rustronaut/wireguard';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import type { TestAdmin, TestResponse } from './harness.js';
import {
  creatableKinds,
  labelOf,
  listOperations,
  orgLists,
  type CreatableKind,
  type OpenApiDocument,
  type Operation,
} from './openapi-operations.js';
import { fillPath, minimalRequest, newSalt, type ApiRequest } from './openapi-requests.js';

/** The admin's OpenAPI document and its operations. */
export interface OpenApi {
  readonly doc: OpenApiDocument;
  readonly operations: readonly Operation[];
  readonly kinds: readonly CreatableKind[];
}

/** Fetches `GET /api/openapi.json` from a running admin. */
export async function fetchOpenApi(t: TestAdmin): Promise<OpenApi> {
  const res = await t.request('GET', '/api/openapi.json');
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${String(res.status)}`);
  const doc = res.body as OpenApiDocument;
  const operations = listOperations(doc);
  return { doc, operations, kinds: creatableKinds(operations) };
}

/** Sends an `ApiRequest` (raw body, JSON content type unless the request names another). */
export function send(t: TestAdmin, request: ApiRequest, token?: string): Promise<TestResponse> {
  return t.request(request.method, request.path, {
    ...(token === undefined ? {} : { token }),
    ...(request.body === undefined ? {} : { body: request.body }),
    headers: { ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
  });
}

/** Runs `work` over `items` with at most `concurrency` at once, in order of start. */
export async function inPool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** The id of a created object in a create answer: `id`, the item id parameter, or the same in a nested object. */
function createdId(body: unknown, idParam: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const key of [idParam, 'id']) if (typeof record[key] === 'string') return record[key];
  for (const value of Object.values(record)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const nested = createdId(value, idParam);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

/** What `seedOrg` made: ids by item id parameter (`siteId`, `userId`, ...), and kinds it could not create. */
export interface SeededOrg {
  readonly ids: Record<string, string>;
  readonly failures: string[];
}

/**
 * Creates one object of every creatable kind in `orgId` through the API as the holder of `token`. Kinds whose
 * body names another kind's id (`siteId`, `policyId`) come after that kind: it runs in passes until nothing
 * more can be made. `overrides` are body values by field name; an uploaded certificate is a real one (a schema
 * sample is no certificate).
 */
export async function seedOrg(
  t: TestAdmin,
  api: OpenApi,
  token: string,
  orgId: string,
  overrides: Readonly<Record<string, unknown>> = {},
): Promise<SeededOrg> {
  const ids: Record<string, string> = { orgId };
  const uploaded = await (await createTestCa()).issue({ names: [`seed-${newId()}.example.com`] });
  overrides = { certPem: uploaded.certPem, keyPem: uploaded.keyPem, ...overrides };
  await addReportedHub(t, orgId);
  let pending = [...api.kinds];
  const last = new Map<string, string>();
  for (let pass = 0; pass < api.kinds.length + 1 && pending.length > 0; pass++) {
    const left: CreatableKind[] = [];
    for (const kind of pending) {
      // The minimal body first; when it is refused, every optional field too (a member's password, say).
      let request = minimalRequest(kind.create, api.doc, { ids, overrides, salt: newSalt() });
      let res = await send(t, request, token);
      if (res.status >= 400 && res.status < 500) {
        request = minimalRequest(kind.create, api.doc, { ids, overrides, salt: newSalt(), withOptional: true });
        res = await send(t, request, token);
      }
      const id = res.status === 201 || res.status === 200 ? createdId(res.body, kind.idParam) : undefined;
      if (id === undefined) {
        left.push(kind);
        last.set(kind.collection, `${String(res.status)} ${JSON.stringify(res.body)} for ${request.body ?? ''}`);
      } else {
        ids[kind.idParam] = id;
      }
    }
    if (left.length === pending.length) break;
    pending = left;
  }
  return {
    ids,
    failures: pending.map((kind) => `${labelOf(kind.create)}: ${last.get(kind.collection) ?? ''}`),
  };
}

/**
 * An enrolled tunnel hub of `orgId` that has reported its key and endpoint, as if `rustronaut tunnel` ran: client
 * devices are only made once an organisation has one.
 */
export async function addReportedHub(t: TestAdmin, orgId: string, name?: string): Promise<void> {
  const id = newId();
  await t.ctx.db.insert(gateways).values({
    id,
    orgId,
    name: name ?? `hub-${id}`,
    kind: 'hub',
    certFingerprint: `test-${id}`,
    enrolledAt: t.ctx.now(),
    lastSeenAt: t.ctx.now(),
    wgPublicKey: generateKeyPair().publicKey,
    wgEndpoint: '192.0.2.10:51820',
  });
}

/** Every list of an organisation (`GET /api/v1/orgs/{orgId}/<list>`), read as `token`: path -> answer. */
export async function snapshotOrg(
  t: TestAdmin,
  api: OpenApi,
  token: string,
  orgId: string,
): Promise<Record<string, { status: number; body: unknown }>> {
  const snapshot: Record<string, { status: number; body: unknown }> = {};
  for (const op of orgLists(api.operations)) {
    const query = op.queryParams.some((p) => p.name === 'limit') ? '?limit=200' : '';
    const res = await t.request('GET', fillPath(op, api.doc, { ids: { orgId } }) + query, { token });
    snapshot[op.path] = { status: res.status, body: res.body as unknown };
  }
  // The org itself.
  const org = await t.request('GET', `/api/v1/orgs/${orgId}`, { token });
  snapshot['/api/v1/orgs/{orgId}'] = { status: org.status, body: org.body as unknown };
  return snapshot;
}

/** Row counts of every table of the admin's schema. */
export async function countRows(t: TestAdmin): Promise<Record<string, number>> {
  const tables = await t.ctx.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables.rows) {
    const result = await t.ctx.db.execute<{ n: number | string }>(
      sql`select count(*) as n from ${sql.identifier(table)}`,
    );
    counts[table] = Number(result.rows[0]?.n ?? -1);
  }
  return counts;
}

/** The stable codes an answer may carry, for checking problem documents. */
export const PROBLEM_CODE = /^ERR_[A-Z0-9_]+$/;

/** What is wrong with an answer that should be a 4xx problem document, or undefined when it is one. */
export function problemDefect(res: TestResponse): string | undefined {
  if (res.status < 400 || res.status > 499) return `status ${String(res.status)}`;
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json'))
    return `${String(res.status)} with content-type ${type}: ${JSON.stringify(res.body).slice(0, 200)}`;
  const code = (res.body as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !PROBLEM_CODE.test(code)) return `no code in ${JSON.stringify(res.body)}`;
  return undefined;
}

/** The code of the 403 the RBAC guard answers. */
export const FORBIDDEN_CODE = errors.forbidden.code;
/** The code of the 404 for another organisation's ids. */
export const NOT_FOUND_CODE = errors.notFound.code;

/** A route as Fastify registered it. */
export interface RegisteredRoute {
  readonly method: string;
  /** Fastify's path (`/api/v1/orgs/:orgId`). */
  readonly url: string;
  /** The OpenAPI path of the same route (`/api/v1/orgs/{orgId}`). */
  readonly openApiPath: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly hidden: boolean;
}

/**
 * Every route the admin registers, read with an `onRoute` hook on a second app built on the same context (so
 * hidden routes and their `config` are seen too). HEAD twins of GET routes are left out.
 */
export async function registeredRoutes(t: TestAdmin): Promise<RegisteredRoute[]> {
  const app = buildApp(t.ctx);
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({
        method,
        url: route.url,
        openApiPath: route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
        config: (route.config ?? {}) as Record<string, unknown>,
        hidden: (route.schema as { hide?: unknown } | undefined)?.hide === true,
      });
    }
  });
  await app.ready();
  await app.close();
  return routes;
}
