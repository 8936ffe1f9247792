// Regenerates the docs that are derived from code: docs/configuration.md, docs/errors.md, docs/rbac.md and the
// field reference in docs/gateway.md. Reads the built packages, so `npm run docs` builds first.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp, createAdminContext } from '@rustronaut/admin';
import { loadConfig, renderConfigurationMarkdown } from '@rustronaut/config';
import { openPglite } from '@rustronaut/db';
import { renderErrorsMarkdown } from '@rustronaut/errors';
import { renderGatewayReference, spliceReference } from '@rustronaut/gateway';
import { createLogger } from '@rustronaut/observability';
import { renderRoleTable } from '@rustronaut/policy';
import { format, resolveConfig } from 'prettier';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationMarkdown());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsMarkdown());
const gatewayDoc = new URL('../docs/gateway.md', import.meta.url);
writeFileSync(gatewayDoc, spliceReference(readFileSync(gatewayDoc, 'utf8'), renderGatewayReference()));

/**
 * docs/rbac.md: the built-in roles' permissions, and every org-scoped route with the permission it checks, read
 * from the `x-permission` of the admin's OpenAPI document (an app built on an empty in-memory database).
 * apps/admin/src/api-rbac.test.ts checks the file against the code.
 */
async function renderRbacMarkdown() {
  const database = await openPglite({});
  try {
    const ctx = createAdminContext({
      config: loadConfig({ env: {} }),
      logger: createLogger({ level: 'silent', format: 'json' }),
      database,
      masterKey: randomBytes(32),
      version: 'docs',
    });
    const app = buildApp(ctx);
    await app.ready();
    const doc = app.swagger();
    await app.close();
    const order = ['get', 'post', 'put', 'patch', 'delete'];
    const rows = Object.entries(doc.paths)
      .filter(([path]) => path === '/api/v1/orgs/{orgId}' || path.startsWith('/api/v1/orgs/{orgId}/'))
      .flatMap(([path, item]) =>
        order
          .filter((method) => item[method] !== undefined)
          .map((method) => `| ${method.toUpperCase()} | \`${path}\` | \`${item[method]['x-permission'] ?? 'NONE'}\` |`),
      );
    return [
      '# Roles and permissions',
      '',
      '<!-- Generated from packages/policy/src/rbac.ts and the routes of apps/admin by `npm run docs`; do not edit by hand. -->',
      '',
      'Every route under `/api/v1/orgs/{orgId}` checks, before it reads the body: the caller must be a member of the',
      'organisation (or hold an API key of it), else **404** — the same answer as for an organisation that does not',
      'exist — and must hold the permission named below, else **403** (`ERR_FORBIDDEN`, the message names the',
      'permission). A member holds the permissions of all their roles; an API key holds the permissions it was given,',
      'and never more than its creator still holds.',
      '',
      '## Built-in roles',
      '',
      'Custom roles are named sets of these permissions, defined per organisation (`/api/v1/orgs/{orgId}/roles`).',
      '',
      renderRoleTable(),
      '',
      '## Org-scoped routes',
      '',
      'The permission each route checks (`x-permission` in the OpenAPI document at `/api/openapi.json`).',
      '`apps/admin/src/api-rbac.test.ts` calls every one of them as a member of each built-in role.',
      '',
      '| method | path | permission |',
      '| --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
  } finally {
    await database.close();
  }
}

const rbacDoc = fileURLToPath(new URL('../docs/rbac.md', import.meta.url));
const rbacMarkdown = await renderRbacMarkdown();
// Prettier-formatted, so `npm run lint` (prettier --check) accepts the generated file as it is.
writeFileSync(rbacDoc, await format(rbacMarkdown, { ...(await resolveConfig(rbacDoc)), filepath: rbacDoc }));
console.log('wrote docs/configuration.md, docs/errors.md, docs/rbac.md and the reference in docs/gateway.md');
