import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { compilePathPattern, matchesGlob } from './path-criterion.js';

/** Whether a request for `path` passes a policy that allows only `paths`. */
function allows(paths: string[], path: string): boolean {
  const policy = compilePolicy({ rules: [{ id: 'p', effect: 'allow', when: { paths } }] });
  const user = { id: 'u', email: 'u@example.com', roles: [] };
  return policy.evaluate({ user, sourceIp: '127.0.0.1', method: 'GET', path, time: new Date(0) }).allowed;
}

describe('paths', () => {
  it.each([
    // Prefixes on whole segments, as the route table matches them.
    ['/api', '/api', true],
    ['/api', '/api/', true],
    ['/api', '/api/users/7', true],
    ['/api', '/apix', false],
    ['/api', '/ap', false],
    ['/api', '/', false],
    ['/api', '//api', false],
    ['/api/', '/api/x', true],
    ['/api/', '/api/', true],
    ['/api/', '/api', false],
    ['/', '/', true],
    ['/', '/anything/at/all', true],
    ['/a%20b', '/a%20b/c', true],
    ['/a%20b', '/a b', false],
    // "*" is exactly one segment, possibly empty.
    ['/users/*', '/users/7', true],
    ['/users/*', '/users/', true],
    ['/users/*', '/users', false],
    ['/users/*', '/users/7/keys', false],
    ['/users/*/keys', '/users/7/keys', true],
    ['/users/*/keys', '/users/keys', false],
    ['/users/*/keys', '/users/7/8/keys', false],
    ['/*', '/', true],
    ['/*', '/x', true],
    ['/*', '/x/y', false],
    // "**" is any number of segments, none included: "/admin/**" covers what the prefix "/admin" does.
    ['/admin/**', '/admin', true],
    ['/admin/**', '/admin/', true],
    ['/admin/**', '/admin/a/b/c', true],
    ['/admin/**', '/administrator', false],
    ['/**/secret', '/secret', true],
    ['/**/secret', '/a/b/secret', true],
    ['/**/secret', '/a/b/secret/x', false],
    ['/**/secret', '/a/b/notsecret', false],
    ['/a/**/b/**/c', '/a/b/c', true],
    ['/a/**/b/**/c', '/a/x/b/y/z/c', true],
    ['/a/**/b/**/c', '/a/x/c/b', false],
    ['/**', '/', true],
    ['/**', '/deep/ly/nested/', true],
    ['/*/**', '/', true],
  ])('%s against %s: %s', (pattern, path, expected) => {
    expect(allows([pattern], path)).toBe(expected);
  });

  it('matches when any entry matches', () => {
    expect(allows(['/a', '/b/*'], '/b/1')).toBe(true);
    expect(allows(['/a', '/b/*'], '/c')).toBe(false);
  });

  it.each([
    ['api', '"api" must start with "/"'],
    ['', '"" must start with "/"'],
    ['/a/../b', '"/a/../b" must not contain "." or ".." segments'],
    ['/a/.', '"/a/." must not contain "." or ".." segments'],
    ['/a%2e%2e', '"/a%2e%2e" must use "%XX" escapes with uppercase hex digits'],
    ['/%2E%2E/x', '"/%2E%2E/x" must not percent-encode unreserved characters'],
    ['/%41', '"/%41" must not percent-encode unreserved characters'],
    ['/a%2', '"/a%2" must use "%XX" escapes with uppercase hex digits'],
    ['/a b', '"/a b" must hold only characters allowed in a normalized path'],
    ['/a?x=1', '"/a?x=1" must hold only characters allowed in a normalized path'],
    ['/a#x', '"/a#x" must hold only characters allowed in a normalized path'],
    ['/a\\b', '"/a\\\\b" must hold only characters allowed in a normalized path'],
    ['/é', '"/é" must hold only characters allowed in a normalized path'],
    ['/files/*.pdf', '"/files/*.pdf" uses "*" inside a segment; "*" and "**" must be whole segments'],
    ['/a/***', '"/a/***" uses "*" inside a segment; "*" and "**" must be whole segments'],
  ])('refuses the entry %j', (entry, message) => {
    expect(() => compilePathPattern(entry, 'rules[0].when.paths[0]')).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_INVALID', message: `rules[0].when.paths[0]: ${message}` }),
    );
  });

  it('accepts encoded slashes and reserved characters in canonical form', () => {
    expect(allows(['/files/a%2Fb'], '/files/a%2Fb/c')).toBe(true);
    expect(allows(["/x/!$&'()+,;=:@"], "/x/!$&'()+,;=:@")).toBe(true);
  });
});

describe('matchesGlob', () => {
  /** An independent reading of the glob: a regular expression over "/segment" units. */
  const reference = (pattern: string): RegExp => {
    const units = pattern
      .slice(1)
      .split('/')
      .map((segment) => {
        if (segment === '*') return '/[^/]*';
        if (segment === '**') return '(?:/[^/]*)*';
        return `/${segment}`;
      });
    return new RegExp(`^${units.join('')}$`);
  };
  const segments = (alphabet: string[]) =>
    fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 7 }).map((parts) => `/${parts.join('/')}`);

  it('agrees with a regular expression on every pattern and path', () => {
    fc.assert(
      fc.property(segments(['a', 'b', '', '*', '**', 'ab']), segments(['a', 'b', 'c', '', 'ab']), (pattern, path) => {
        const glob = compilePathPattern(pattern, 'paths[0]').glob;
        const expected = reference(pattern).test(path);
        if (glob === undefined) return; // no wildcard: a prefix, covered by the table above
        expect(matchesGlob(path, glob)).toBe(expected);
      }),
      { numRuns: 10_000 },
    );
  });

  it('treats "<prefix>/**" exactly like the prefix', () => {
    fc.assert(
      fc.property(segments(['a', 'b', 'ab']), segments(['a', 'b', 'c', '', 'ab']), (prefix, path) => {
        expect(allows([`${prefix}/**`], path)).toBe(allows([prefix], path));
      }),
      { numRuns: 3000 },
    );
  });
});
