import { PERMISSIONS } from '@rustronaut/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../test/harness.js';
import {
  collectionsOf,
  isOrgScoped,
  labelOf,
  orgLists,
  resolveRef,
  type Operation,
} from '../test/openapi-operations.js';
import { minimalRequest } from '../test/openapi-requests.js';
import { objectShape } from '../test/openapi-samples.js';
import { fetchOpenApi, NOT_FOUND_CODE, seedOrg, send, snapshotOrg, type OpenApi } from '../test/openapi-world.js';

/** The non-org path parameters of an operation (`siteId`, `userId`, ...). */
const idParams = (op: Operation): string[] => op.pathParams.map((p) => p.name).filter((name) => name !== 'orgId');

// Acceptance 2 of the admin issue: a member of org A gets 404 for every id of org B, on every org-scoped route.
describe.each(testDrivers())('[$name] organisation boundary', (driver) => {
  let t: TestAdmin;
  let api: OpenApi;
  let orgScoped: Operation[];
  /** Org A: the harness owner's org. */
  const a = { token: '', ids: {} as Record<string, string>, apiKey: '' };
  /** Org B: another owner's org. */
  const b = { token: '', ids: {} as Record<string, string> };

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    api = await fetchOpenApi(t);
    orgScoped = api.operations.filter(isOrgScoped);
    a.token = await t.login(t.owner.email, t.owner.password);
    const orgB = await t.otherOrg({ email: 'owner-b@example.com', name: 'Org B', slug: 'org-b' });
    b.token = orgB.token;

    const seededA = await seedOrg(t, api, a.token, t.owner.orgId);
    const seededB = await seedOrg(t, api, b.token, orgB.orgId);
    expect(seededA.failures).toEqual([]);
    expect(seededB.failures).toEqual([]);
    a.ids = seededA.ids;
    b.ids = seededB.ids;
    // Ids of kinds the API lists but does not create (sessions, say): the first item of B's list.
    for (const list of orgLists(api.operations)) {
      const [collection] = collectionsOf(list.path).slice(-1);
      const idParam = api.operations
        .flatMap((op) => collectionsOf(op.path))
        .find((c) => c.collection === collection?.collection && c.idParam !== undefined)?.idParam;
      if (idParam === undefined || b.ids[idParam] !== undefined) continue;
      const res = await t.request('GET', list.path.replace('{orgId}', b.ids.orgId ?? ''), { token: b.token });
      const first = (res.body as { items?: Record<string, unknown>[] } | undefined)?.items?.[0];
      const id = first?.[idParam] ?? first?.id;
      if (typeof id === 'string') b.ids[idParam] = id;
    }

    const key = minimalRequest(
      api.operations.find((op) => op.method === 'POST' && op.path === '/api/v1/orgs/{orgId}/api-keys') as Operation,
      api.doc,
      { ids: { orgId: t.owner.orgId }, overrides: { permissions: [...PERMISSIONS] } },
    );
    const created = await send(t, key, a.token);
    expect(created.status).toBe(201);
    a.apiKey = JSON.stringify(created.body).match(/"(rsk_[^"]+)"/)?.[1] ?? '';
    expect(a.apiKey).not.toBe('');
  }, 120_000);
  afterAll(() => t.close());

  it('covers every org-scoped operation with real ids of B', async () => {
    expect(orgScoped.length).toBeGreaterThan(10);
    const missing = [...new Set(orgScoped.flatMap(idParams))].filter((name) => b.ids[name] === undefined);
    expect(missing, 'id parameters with no object of B to point at').toEqual([]);
    // The ids are real: B's owner reads each of B's objects.
    for (const op of orgScoped.filter((o) => o.method === 'GET' && idParams(o).length > 0)) {
      const res = await send(t, minimalRequest(op, api.doc, { ids: b.ids }), b.token);
      expect(res.status, labelOf(op)).toBe(200);
    }
  });

  /** Sends every operation in `ops` as `token` with `ids`, and expects 404 ERR_NOT_FOUND from each. */
  async function expectAllNotFound(ops: readonly Operation[], ids: Record<string, string>, token: string) {
    const before = await snapshotOrg(t, api, b.token, b.ids.orgId ?? '');
    const leaks: string[] = [];
    for (const op of ops) {
      const request = minimalRequest(op, api.doc, { ids });
      const res = await send(t, request, token);
      if (res.status !== 404 || res.body?.code !== NOT_FOUND_CODE) {
        leaks.push(`${labelOf(op)} -> ${String(res.status)} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(await snapshotOrg(t, api, b.token, b.ids.orgId ?? '')).toEqual(before);
  }

  it("answers 404 to A's owner on every org-scoped operation of org B", async () => {
    await expectAllNotFound(orgScoped, b.ids, a.token);
  });

  it("answers 404 to A's owner for B's object ids under org A", async () => {
    const withIds = orgScoped.filter((op) => idParams(op).length > 0);
    expect(withIds.length).toBeGreaterThan(0);
    await expectAllNotFound(withIds, { ...b.ids, orgId: t.owner.orgId }, a.token);
  });

  it('answers 404 to an API key of A on every org-scoped operation of org B', async () => {
    // The key works in its own org.
    expect((await t.request('GET', `/api/v1/orgs/${t.owner.orgId}`, { token: a.apiKey })).status).toBe(200);
    await expectAllNotFound(orgScoped, b.ids, a.apiKey);
  });

  it("refuses B's ids in the bodies of A's changes", async () => {
    // A body field named like an id parameter (`siteId`, `policyId`) pointing at B's object: never a success.
    const before = await snapshotOrg(t, api, b.token, b.ids.orgId ?? '');
    const accepted: string[] = [];
    let tried = 0;
    for (const op of orgScoped.filter((o) => o.body !== undefined)) {
      const { properties } = objectShape(op.body ?? {}, (schema) => resolveRef(api.doc, schema));
      const fields = Object.keys(properties).filter((name) => name !== 'orgId' && b.ids[name] !== undefined);
      for (const field of fields) {
        const request = minimalRequest(op, api.doc, {
          ids: { ...a.ids, orgId: t.owner.orgId },
          overrides: { [field]: b.ids[field] },
        });
        const res = await send(t, request, a.token);
        tried++;
        if (res.status < 400 || res.status >= 500) accepted.push(`${labelOf(op)} ${field} -> ${String(res.status)}`);
      }
    }
    expect(tried).toBeGreaterThan(0);
    expect(accepted).toEqual([]);
    expect(await snapshotOrg(t, api, b.token, b.ids.orgId ?? '')).toEqual(before);
  });
});
