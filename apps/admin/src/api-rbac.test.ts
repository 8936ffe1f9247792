import { BUILT_IN_ROLES, isPermission, renderRoleTable, type BuiltInRole } from '@rustronaut/policy';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../test/harness.js';
import { isOrgScoped, labelOf, ORG_PREFIX, type Operation } from '../test/openapi-operations.js';
import { minimalRequest } from '../test/openapi-requests.js';
import {
  FORBIDDEN_CODE,
  fetchOpenApi,
  registeredRoutes,
  seedOrg,
  send,
  type OpenApi,
  type RegisteredRoute,
} from '../test/openapi-world.js';

const ROLES = Object.keys(BUILT_IN_ROLES) as BuiltInRole[];
const RBAC_DOC = new URL('../../../docs/rbac.md', import.meta.url);

/** The rows of the Markdown tables in `text`, as trimmed cells, separator rows left out. */
const tableRows = (text: string): string[][] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );

/**
 * Changes that destroy what later requests need run last: deletes of objects, then the organisation itself.
 */
const order = (op: Operation): number => (op.method !== 'DELETE' ? 0 : op.path === ORG_PREFIX ? 2 : 1);

// Acceptance 2 of the admin issue: every org-scoped route, every built-in role; docs/rbac.md shows the same table.
describe.each(testDrivers())('[$name] role matrix', (driver) => {
  let t: TestAdmin;
  let api: OpenApi;
  let routes: RegisteredRoute[];
  let ownerToken: string;

  beforeAll(async () => {
    t = await startTestAdmin(driver);
    api = await fetchOpenApi(t);
    routes = await registeredRoutes(t);
    ownerToken = await t.login(t.owner.email, t.owner.password);
  });
  afterAll(() => t.close());

  it('has a permission on every org-scoped route', () => {
    const orgRoutes = routes.filter((r) => r.url === '/api/v1/orgs/:orgId' || r.url.startsWith('/api/v1/orgs/:orgId/'));
    expect(orgRoutes.length).toBeGreaterThan(10);
    const without = orgRoutes.filter((r) => !isPermission(r.config.permission)).map((r) => `${r.method} ${r.url}`);
    expect(without, 'org-scoped routes without orgRoute(ctx, permission)').toEqual([]);
    // The OpenAPI document lists each of them with the same permission (docs/rbac.md is built from it).
    for (const route of orgRoutes.filter((r) => !r.hidden)) {
      const op = api.operations.find((o) => o.method === route.method && o.path === route.openApiPath);
      expect(op?.permission, `${route.method} ${route.url}`).toBe(route.config.permission);
    }
  });

  it('is what docs/rbac.md says (regenerate it with `npm run docs`)', () => {
    const rows = tableRows(readFileSync(RBAC_DOC, 'utf8'));
    const roleRows = tableRows(renderRoleTable());
    const routeRows = [
      ['method', 'path', 'permission'],
      ...api.operations
        .filter(isOrgScoped)
        .map((op) => [op.method, `\`${op.path}\``, `\`${op.permission ?? 'NONE'}\``]),
    ];
    expect(rows.slice(0, roleRows.length), 'role table').toEqual(roleRows);
    expect(
      rows.slice(roleRows.length).sort((x, y) => x.join().localeCompare(y.join())),
      'route table',
    ).toEqual(routeRows.sort((x, y) => x.join().localeCompare(y.join())));
  });

  it.each(ROLES)(
    'role %s: 403 exactly where it lacks the permission',
    async (role) => {
      // A fresh organisation per role, holding one object of every kind, so that allowed requests find real ids.
      const { id: orgId } = await t.created('/api/v1/orgs', {
        token: ownerToken,
        body: { name: `RBAC ${role}`, slug: `rbac-${role}` },
      });
      const seeded = await seedOrg(t, api, ownerToken, orgId);
      expect(seeded.failures).toEqual([]);
      const { token } = await t.newMember([role], { orgId, email: `${role}@rbac.example.com` });

      const granted = new Set<string>(BUILT_IN_ROLES[role]);
      const operations = api.operations.filter(isOrgScoped).sort((x, y) => order(x) - order(y));
      const wrong: string[] = [];
      let denied = 0;
      for (const op of operations) {
        const permission = op.permission ?? '(none)';
        const res = await send(t, minimalRequest(op, api.doc, { ids: seeded.ids }), token);
        if (!granted.has(permission)) {
          denied++;
          if (
            res.status !== 403 ||
            res.body?.code !== FORBIDDEN_CODE ||
            !String(res.body?.detail).includes(permission)
          ) {
            wrong.push(`${labelOf(op)} needs ${permission}: expected 403, got ${String(res.status)}`);
          }
        } else if (res.status === 401 || res.status === 403) {
          wrong.push(`${labelOf(op)} needs ${permission}, which ${role} holds: got ${String(res.status)}`);
        }
      }
      expect(wrong).toEqual([]);
      // Every role but the owner is refused something, and the owner nothing.
      if (role === 'owner') expect(denied).toBe(0);
      else expect(denied).toBeGreaterThan(0);
    },
    120_000,
  );
});
