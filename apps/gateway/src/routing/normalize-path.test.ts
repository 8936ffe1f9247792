import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePath, type NormalizedPath } from './normalize-path.js';

/** The normalized form of a target the test expects to be accepted. */
function accept(target: string): NormalizedPath {
  const result = normalizePath(target);
  if ('error' in result) throw new Error(`refused ${JSON.stringify(target)}: ${result.reason}`);
  return result;
}

/** RFC 3986 section 5.2.4, step by step as the RFC writes it, as an oracle for the segment-based version. */
function rfcRemoveDotSegments(path: string): string {
  let input = path;
  let output = '';
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../') || input === '/..') {
      input = input === '/..' ? '/' : input.slice(3);
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', input.startsWith('/') ? 1 : 0);
      const end = next < 0 ? input.length : next;
      output += input.slice(0, end);
      input = input.slice(end);
    }
  }
  return output;
}

describe('normalizePath', () => {
  it.each([
    // Already canonical: unchanged.
    ['/', '/', ''],
    ['/a/b/c', '/a/b/c', ''],
    ['/a/b/', '/a/b/', ''],
    ['/a/b?x=1&y=2', '/a/b', '?x=1&y=2'],
    ['/?', '/', '?'],
    ['/a?', '/a', '?'],
    ["/a:b@c!$&'()*+,;=-._~", "/a:b@c!$&'()*+,;=-._~", ''],
    ['/a%20b', '/a%20b', ''],
    ['/...', '/...', ''],
    ['/a/.b/..c/...', '/a/.b/..c/...', ''],
    // Unreserved escapes decoded, the rest uppercased (RFC 3986 section 6.2.2.1 and 6.2.2.2).
    ['/%61%62%63', '/abc', ''],
    ['/%7E%7euser', '/~~user', ''],
    ['/%2D%2e%5F', '/-._', ''],
    ['/a%2cb', '/a%2Cb', ''],
    ['/%c3%a9t%C3%A9', '/%C3%A9t%C3%A9', ''],
    ['/100%25', '/100%25', ''],
    ['/%2541', '/%2541', ''],
    ['/%00', '/%00', ''],
    // Characters a path may not hold raw are encoded.
    ['/a|b', '/a%7Cb', ''],
    ['/{x}', '/%7Bx%7D', ''],
    ['/"<>[]^`', '/%22%3C%3E%5B%5D%5E%60', ''],
    // Dot-segments (RFC 3986 section 5.2.4).
    ['/.', '/', ''],
    ['/..', '/', ''],
    ['/./a', '/a', ''],
    ['/../a', '/a', ''],
    ['/../../../etc/passwd', '/etc/passwd', ''],
    ['/a/./b', '/a/b', ''],
    ['/a/../b', '/b', ''],
    ['/a/b/..', '/a/', ''],
    ['/a/b/.', '/a/b/', ''],
    ['/a/b/../', '/a/', ''],
    ['/a/b/c/./../../g', '/a/g', ''],
    ['/mid/content=5/../6', '/mid/6', ''],
    ['/%2E%2E/%2e%2E/etc', '/etc', ''],
    ['/a/.%2E/b', '/b', ''],
    ['/a/%2E/b', '/a/b', ''],
    ['/a/..?x=/../', '/', '?x=/../'],
    // Repeated slashes are kept.
    ['//', '//', ''],
    ['//a//b', '//a//b', ''],
    ['/a//../b', '/a/b', ''],
    ['/a/..//b', '//b', ''],
    // The query passes through untouched.
    ['/a?%7e=%zz&b=|{}^', '/a', '?%7e=%zz&b=|{}^'],
    ['/a?x=1?y=2', '/a', '?x=1?y=2'],
  ])('%j is path %j and query %j', (target, path, query) => {
    expect(accept(target)).toEqual({ path, query, hasEncodedSlash: false });
  });

  it.each([
    ['/a%2Fb', '/a%2Fb'],
    ['/a%2fb', '/a%2Fb'],
    ['/a%5cb', '/a%5Cb'],
    ['/a/..%2F..%2Fetc', '/a/..%2F..%2Fetc'],
    ['/%2E%2E%2F', '/..%2F'],
  ])('%j keeps its encoded slash as %j and says so', (target, path) => {
    expect(accept(target)).toEqual({ path, query: '', hasEncodedSlash: true });
  });

  it('does not report an encoded slash that dot-segment removal dropped', () => {
    expect(accept('/a%2Fb/../c')).toEqual({ path: '/c', query: '', hasEncodedSlash: false });
  });

  it('returns the target itself when it is already canonical', () => {
    const target = '/already/canonical/path';
    expect(accept(target).path).toBe(target);
  });

  it.each([
    ['', 'must start with "/"'],
    ['a/b', 'must start with "/"'],
    ['*', 'must start with "/"'],
    ['http://example.com/a', 'must start with "/"'],
    ['?x', 'must start with "/"'],
    [' /a', 'must start with "/"'],
    ['/a%', 'malformed percent-encoding'],
    ['/a%4', 'malformed percent-encoding'],
    ['/a%4?x', 'malformed percent-encoding'],
    ['/a%zz', 'malformed percent-encoding'],
    ['/a%%41', 'malformed percent-encoding'],
    ['/a%G1', 'malformed percent-encoding'],
    ['/a\\b', 'raw backslash'],
    ['/..\\..\\etc', 'raw backslash'],
    ['/a#b', 'fragment'],
    ['/a?b#c', 'fragment'],
    ['/a b', 'control character, space or non-ASCII'],
    ['/a\tb', 'control character, space or non-ASCII'],
    ['/a\u0000', 'control character, space or non-ASCII'],
    ['/a\r\nx-injected: 1', 'control character, space or non-ASCII'],
    ['/a\u007f', 'control character, space or non-ASCII'],
    ['/é', 'control character, space or non-ASCII'],
    ['/\u00ff', 'control character, space or non-ASCII'],
    ['/\ud800', 'control character, space or non-ASCII'],
    ['/a?b c', 'control character, space or non-ASCII'],
    ['/a?\u0000', 'control character, space or non-ASCII'],
    ['/a?é', 'control character, space or non-ASCII'],
  ])('refuses %j (%s)', (target, reason) => {
    const result = normalizePath(target);
    expect(result).toMatchObject({ error: 'ERR_GW_BAD_PATH' });
    expect('reason' in result && result.reason).toContain(reason);
  });

  // Targets built from the pieces that matter, so the properties reach dot-segments and escapes often.
  const piece = fc.constantFrom(
    '/',
    '//',
    '.',
    '..',
    '%2e',
    '%2E',
    '%2f',
    '%5C',
    '%41',
    '%7e',
    '%c3%A9',
    '%25',
    '%',
    '%4',
    '%zz',
    'a',
    'B',
    '~',
    '|',
    '{',
    '?',
    '#',
    '\\',
    ' ',
    'é',
    '\u0000',
  );
  const target = fc.oneof(
    fc.array(piece, { maxLength: 20 }).map((parts) => `/${parts.join('')}`),
    fc.array(piece, { maxLength: 20 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.webPath(),
  );

  it('never throws, and its output starts with "/" and holds no dot-segment', () => {
    fc.assert(
      fc.property(target, (input) => {
        const result = normalizePath(input);
        if ('error' in result) return;
        expect(result.path.startsWith('/')).toBe(true);
        expect(result.path).not.toMatch(/\/\.\.?(\/|$)/);
        expect(result.path).not.toMatch(/%[0-9A-F]?[a-f]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(target, (input) => {
        const first = normalizePath(input);
        if ('error' in first) return;
        expect(normalizePath(first.path + first.query)).toEqual(first);
      }),
      { numRuns: 2000 },
    );
  });

  it('removes dot-segments exactly as RFC 3986 section 5.2.4 does', () => {
    const segments = fc.array(fc.constantFrom('a', 'b', '.', '..', '', '...'), { maxLength: 12 });
    fc.assert(
      fc.property(segments, (parts) => {
        const input = `/${parts.join('/')}`;
        expect(accept(input).path).toBe(rfcRemoveDotSegments(input));
      }),
      { numRuns: 2000 },
    );
  });
});
