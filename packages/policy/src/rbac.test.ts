import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_ROLES,
  PERMISSIONS,
  compileRoleCatalog,
  hasPermission,
  isPermission,
  isSubsetOf,
  permissionsOf,
  renderRoleTable,
  type CustomRole,
  type Permission,
} from './rbac.js';

const crud = (noun: string): string[] => ['read', 'create', 'update', 'delete'].map((action) => `${noun}:${action}`);

// The table as the issue states it, written out independently of the code that builds it.
const EXPECTED: Record<string, string[]> = {
  owner: [...PERMISSIONS],
  admin: PERMISSIONS.filter((p) => p !== 'org:delete'),
  operator: [
    ...crud('resource'),
    ...crud('policy'),
    ...crud('site'),
    ...crud('gateway'),
    'device:read',
    'device:create',
    'device:delete',
    'certificate:read',
    'certificate:create',
    'certificate:delete',
    'member:read',
    'org:read',
  ],
  viewer: [
    'resource:read',
    'policy:read',
    'site:read',
    'gateway:read',
    'device:read',
    'certificate:read',
    'member:read',
    'role:read',
    'apikey:read',
    'session:read',
    'audit:read',
    'org:read',
  ],
};

describe('built-in roles', () => {
  it('has the permission vocabulary of the admin API', () => {
    expect(PERMISSIONS).toEqual([
      ...['resource', 'policy', 'site', 'gateway'].flatMap(crud),
      'device:read',
      'device:create',
      'device:delete',
      'certificate:read',
      'certificate:create',
      'certificate:delete',
      ...['member', 'role'].flatMap(crud),
      'apikey:read',
      'apikey:create',
      'apikey:delete',
      'session:read',
      'session:delete',
      'audit:read',
      'org:read',
      'org:update',
      'org:delete',
    ]);
  });

  it.each(Object.keys(EXPECTED))('%s holds exactly its permissions', (role) => {
    const expected = new Set(EXPECTED[role]);
    for (const permission of PERMISSIONS) {
      expect([permission, hasPermission([role], permission)]).toEqual([permission, expected.has(permission)]);
    }
    expect([...permissionsOf([role])].sort()).toEqual([...expected].sort());
  });

  it('only the owner may delete the organisation', () => {
    for (const role of ['admin', 'operator', 'viewer']) {
      expect(hasPermission([role], 'org:delete')).toBe(false);
    }
  });

  it('cannot be changed at run time', () => {
    expect(() => (BUILT_IN_ROLES.viewer as Permission[]).push('org:delete')).toThrow(TypeError);
    expect(hasPermission(['viewer'], 'org:delete')).toBe(false);
  });

  it('several roles grant the union; unknown roles grant nothing', () => {
    expect(hasPermission(['viewer', 'operator'], 'site:delete')).toBe(true);
    expect(hasPermission(['deleted-role'], 'resource:read')).toBe(false);
    expect(hasPermission([], 'resource:read')).toBe(false);
    expect(permissionsOf(['viewer', 'operator']).has('audit:read')).toBe(true);
  });

  it('the README shows the same table', () => {
    const cells = (markdown: string): string[][] =>
      markdown
        .split('\n')
        .filter((line) => line.startsWith('| '))
        .map((line) => line.split('|').map((cell) => cell.trim()))
        .filter((row) => !row.every((cell) => cell === '' || /^:?-+:?$/.test(cell)));
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('| permission'));
    expect(cells(section).slice(0, PERMISSIONS.length + 1)).toEqual(cells(renderRoleTable()));
  });
});

describe('custom roles', () => {
  const catalog = compileRoleCatalog([
    { name: 'auditor', permissions: ['audit:read', 'member:read'] },
    { name: 'key-manager', permissions: ['apikey:read', 'apikey:create', 'apikey:delete'] },
    { name: 'nobody', permissions: [] },
  ]);

  it('grant their permission sets', () => {
    expect(hasPermission(['auditor'], 'audit:read', catalog)).toBe(true);
    expect(hasPermission(['auditor'], 'resource:read', catalog)).toBe(false);
    expect(hasPermission(['nobody'], 'resource:read', catalog)).toBe(false);
    expect(hasPermission(['auditor'], 'audit:read')).toBe(false);
    expect([...permissionsOf(['auditor', 'key-manager'], catalog)].sort()).toEqual(
      ['apikey:create', 'apikey:delete', 'apikey:read', 'audit:read', 'member:read'].sort(),
    );
    expect(permissionsOf(['viewer', 'key-manager'], catalog).has('apikey:create')).toBe(true);
  });

  it.each<[string, unknown, string]>([
    [
      'an unknown permission',
      [{ name: 'r', permissions: ['audit:read', 'audit:write'] }],
      'customRoles[0].permissions[1]: "audit:write" is not a known permission',
    ],
    [
      'a wildcard permission',
      [{ name: 'r', permissions: ['*'] }],
      'customRoles[0].permissions[0]: "*" is not a known permission',
    ],
    [
      'a built-in name',
      [
        { name: 'ok', permissions: [] },
        { name: 'admin', permissions: [] },
      ],
      'customRoles[1].name: "admin" is a built-in role',
    ],
    [
      'a repeated name',
      [
        { name: 'r', permissions: [] },
        { name: 'r', permissions: [] },
      ],
      'customRoles[1].name: "r" is defined twice',
    ],
    ['an empty name', [{ name: '', permissions: [] }], 'customRoles[0].name: must be a non-empty string, got ""'],
    [
      'permissions that are no array',
      [{ name: 'r', permissions: 'audit:read' }],
      'customRoles[0].permissions: must be an array, got "audit:read"',
    ],
    ['a role that is no object', ['auditor'], 'customRoles[0]: must be an object, got "auditor"'],
    ['roles that are no array', {}, 'customRoles: must be an array, got an object'],
  ])('refuse %s', (_name, roles, message) => {
    expect(() => compileRoleCatalog(roles as CustomRole[])).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_INVALID', message }),
    );
  });
});

describe('isSubsetOf', () => {
  const operator = permissionsOf(['operator']);

  it.each<[string, string[], Iterable<string>, boolean]>([
    ['a subset', ['resource:read', 'site:update'], operator, true],
    ['the whole set', [...operator], operator, true],
    ['nothing', [], operator, true],
    ['one permission too many', ['resource:read', 'member:delete'], operator, false],
    ['an unknown permission, even if the other side lists it', ['made:up'], ['made:up'], false],
    ['against an array', ['audit:read'], ['audit:read', 'org:read'], true],
    ['against nothing', ['audit:read'], [], false],
  ])('%s', (_name, permissions, of, expected) => {
    expect(isSubsetOf(permissions, of)).toBe(expected);
  });
});

describe('isPermission', () => {
  it.each([
    ['resource:read', true],
    ['org:delete', true],
    ['org:transfer', false],
    ['Resource:read', false],
    ['resource:*', false],
    [42, false],
  ])('%j', (value, expected) => {
    expect(isPermission(value)).toBe(expected);
  });
});
