import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../test/harness.js';
import { labelOf, type JsonSchema } from '../test/openapi-operations.js';
import { garbageRequests, minimalRequest, SQL_META, type ApiRequest } from '../test/openapi-requests.js';
import { stringAccepted } from '../test/openapi-samples.js';
import {
  addReportedHub,
  countRows,
  fetchOpenApi,
  inPool,
  problemDefect,
  send,
  type OpenApi,
} from '../test/openapi-world.js';

/** Requests in flight at once: enough to keep the run short, few enough to keep PGlite's queue short. */
const CONCURRENCY = 8;
/** A bound on the run: the variants of one operation times the operations, for both callers. */
const MAX_REQUESTS = 10_000;

// Acceptance 5 of the admin issue: garbage generated from the OpenAPI document, to every route, never a 5xx.
describe.each(testDrivers())('[$name] garbage to every route', (driver) => {
  let t: TestAdmin;
  let api: OpenApi;
  let token: string;

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    api = await fetchOpenApi(t);
    token = await t.login(t.owner.email, t.owner.password);
    await addReportedHub(t, t.owner.orgId);
  });
  afterAll(() => t.close());

  it('answers every garbage variant with a 4xx problem document, as the owner and unauthenticated, and changes nothing', async () => {
    const requests: { op: string; request: ApiRequest }[] = api.operations.flatMap((op) =>
      garbageRequests(op, api.doc, { ids: { orgId: t.owner.orgId, userId: t.owner.userId } }).map((request) => ({
        op: labelOf(op),
        request,
      })),
    );
    expect(requests.length).toBeGreaterThan(100);
    expect(requests.length * 2).toBeLessThan(MAX_REQUESTS);
    // Every kind of garbage the issue names is in the mix.
    const whys = requests.map((r) => r.request.why).join('\n');
    for (const kind of [
      'wrong type',
      'unknown field',
      'missing',
      'malformed JSON',
      'oversized body',
      'huge string',
      'SQL meta-characters',
      'number 1e+308',
      'NaN as a string',
      'path.orgId=not-a-uuid',
      'query.limit=-1',
      'query.limit=1000000000',
      'query.cursor=garbage',
    ]) {
      expect(whys).toContain(kind);
    }

    const before = await countRows(t);
    const defects: string[] = [];
    for (const caller of ['owner', 'anonymous'] as const) {
      await inPool(requests, CONCURRENCY, async ({ op, request }) => {
        const res = await send(t, request, caller === 'owner' ? token : undefined);
        const defect = problemDefect(res);
        if (defect !== undefined) defects.push(`${caller} ${op} [${request.why}]: ${defect}`);
      });
    }
    expect(defects.slice(0, 50), `${String(defects.length)} defects`).toEqual([]);

    // The database still answers, the owner's session still works, and no garbage request left a row behind.
    await t.ctx.database.ping();
    expect((await t.request('GET', '/readyz')).status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token })).status).toBe(200);
    expect(await countRows(t)).toEqual(before);
  }, 180_000);

  it('stores SQL meta-characters in free-text names literally', async () => {
    // Where a create's `name` takes them, they are data: the object is created and its answer shows them unchanged.
    let checked = 0;
    // Kinds whose body names a site (site targets) get a real one.
    const site = await t.created(`/api/v1/orgs/${t.owner.orgId}/sites`, { token, body: { name: 'meta-site' } });
    for (const kind of api.kinds) {
      const name = ((kind.create.body?.properties ?? {}) as Record<string, JsonSchema>).name;
      if (name === undefined || !SQL_META.every((meta) => stringAccepted(name, meta))) continue;
      for (const [i, meta] of SQL_META.entries()) {
        const value = `${meta} ${kind.collection} ${String(i)}`;
        const request = minimalRequest(kind.create, api.doc, {
          ids: { orgId: t.owner.orgId, siteId: site.id },
          overrides: { name: value },
        });
        const res = await send(t, request, token);
        expect(res.status, `${labelOf(kind.create)}: ${JSON.stringify(res.body)}`).toBe(201);
        expect(JSON.stringify(res.body)).toContain(JSON.stringify(value).slice(1, -1));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
