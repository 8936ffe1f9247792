import { describe, expect, it } from 'vitest';
import {
  createResourceRequest,
  hostNameSchema,
  normalizeHostName,
  normalizePathPrefix,
  pathPrefixSchema,
} from './resources.js';

describe('normalizeHostName', () => {
  it.each([
    ['app.example.com', 'app.example.com'],
    ['App.Example.COM', 'app.example.com'],
    ['localhost', 'localhost'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['ｅｘａｍｐｌｅ．com', 'example.com'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('accepts %j as %j', (input, host) => {
    expect(normalizeHostName(input)).toEqual({ host });
  });

  it.each([
    ['', /empty/],
    ['exa mple.com', /only letters/],
    ['http://x', /scheme/],
    ['https://app.example.com/', /scheme/],
    ['x:80', /port/],
    ['[::1]', /port/],
    ['app.example.com/path', /path/],
    ['../', /path/],
    ['..', /empty label/],
    ['user@app.example.com', /user information/],
    ['a..b', /empty label/],
    ['.example.com', /empty label/],
    ['example.com.', /empty label/],
    ['-a.example.com', /label/],
    ['a-.example.com', /label/],
    ['a_b.example.com', /only letters/],
    [`${'a'.repeat(64)}.example`, /label/],
    ['10.0.0.1', /IP address/],
    ['0x7f.1', /IP address/],
    ['*.example.com', /only letters/],
    ["x'; DROP TABLE resources; --", /only letters/],
    ['a\u0000b', /only letters/],
  ])('refuses %j', (input, problem) => {
    const result = normalizeHostName(input);
    expect(result).toHaveProperty('problem');
    expect((result as { problem: string }).problem).toMatch(problem);
  });

  it('refuses names over 253 characters, and takes 253', () => {
    expect(normalizeHostName(`${'abcdefghi.'.repeat(25)}com`)).toHaveProperty('host');
    expect(normalizeHostName(`${'abcdefghi.'.repeat(26)}com`)).toMatchObject({ problem: /253/ });
    expect(normalizeHostName('x'.repeat(5000))).toMatchObject({ problem: /253/ });
  });

  it('is idempotent on what it accepts', () => {
    for (const input of ['Bücher.Example', 'APP.example.com', 'münchen.de']) {
      const first = normalizeHostName(input) as { host: string };
      expect(normalizeHostName(first.host)).toEqual(first);
    }
  });
});

describe('normalizePathPrefix', () => {
  it.each([
    ['/', '/'],
    ['/api', '/api'],
    ['/api/', '/api/'],
    ['/api/v1/users', '/api/v1/users'],
    ['/%7Euser', '/~user'],
    ['/a%41b', '/aAb'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ["/a:b@c!$&'()*+,;=-._~", "/a:b@c!$&'()*+,;=-._~"],
  ])('accepts %j as %j', (input, path) => {
    expect(normalizePathPrefix(input)).toEqual({ path });
  });

  it.each([
    ['', /start with/],
    ['api', /start with/],
    ['../', /start with/],
    ['/..', /"\."/],
    ['/a/../b', /"\."/],
    ['/a/./b', /"\."/],
    ['/a/%2e%2E/b', /"\."/],
    ['//a', /empty segments/],
    ['/a//b', /empty segments/],
    ['/a%2fb', /encoded slash/],
    ['/a%2Fb', /encoded slash/],
    ['/a%5cb', /encoded slash/],
    ['/a\\b', /backslash/],
    ['/a?x=1', /query/],
    ['/a#x', /fragment/],
    ['/a b', /characters/],
    ['/ü', /characters/],
    ['/a%zz', /malformed/],
    ['/a%4', /malformed/],
    ['/a\u0000', /characters/],
  ])('refuses %j', (input, problem) => {
    const result = normalizePathPrefix(input);
    expect(result).toHaveProperty('problem');
    expect((result as { problem: string }).problem).toMatch(problem);
  });
});

it('normalizePathPrefix refuses prefixes over 1024 characters', () => {
  expect(normalizePathPrefix(`/${'a'.repeat(2000)}`)).toMatchObject({ problem: /1024/ });
});

describe('resource schemas', () => {
  it('host and path schemas replace the value with its normal form', () => {
    expect(hostNameSchema.parse('Bücher.Example')).toBe('xn--bcher-kva.example');
    expect(pathPrefixSchema.parse('/%7e')).toBe('/~');
    expect(hostNameSchema.safeParse('x:80').error?.issues[0]?.message).toMatch(/port/);
  });

  it('an HTTP resource defaults its path prefix and options; a TCP one its host', () => {
    expect(
      createResourceRequest.parse({
        name: 'app',
        kind: 'http',
        host: 'App.Example.com',
        targets: [{ url: 'http://10.0.0.5:8080' }],
      }),
    ).toEqual({
      name: 'app',
      kind: 'http',
      host: 'app.example.com',
      pathPrefix: '/',
      targets: [{ url: 'http://10.0.0.5:8080', weight: 1 }],
      options: {},
    });
    expect(
      createResourceRequest.parse({ name: 'db', kind: 'tcp', port: 5432, targets: [{ host: '10.0.0.7', port: 5432 }] }),
    ).toMatchObject({ host: '', port: 5432, options: {} });
  });

  it('refuses fields of the other kind and unknown options', () => {
    const target = [{ url: 'http://10.0.0.5' }];
    expect(
      createResourceRequest.safeParse({ name: 'a', kind: 'http', host: 'a.example', port: 1, targets: target }).success,
    ).toBe(false);
    expect(
      createResourceRequest.safeParse({
        name: 'a',
        kind: 'http',
        host: 'a.example',
        targets: target,
        options: { websocket: true },
      }).success,
    ).toBe(false);
    expect(
      createResourceRequest.safeParse({
        name: 'a',
        kind: 'tcp',
        port: 22,
        pathPrefix: '/',
        targets: [{ host: 'h', port: 22 }],
      }).success,
    ).toBe(false);
  });

  it('refuses option numbers a timer cannot hold, naming the field', () => {
    const result = createResourceRequest.safeParse({
      name: 'a',
      kind: 'http',
      host: 'a.example',
      targets: [{ url: 'http://10.0.0.5' }],
      options: { timeouts: { connectMs: 2 ** 40 }, rateLimit: { requestsPerSecond: 1e308, burst: 10 } },
    });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['options.rateLimit.requestsPerSecond', 'Too big: expected number to be <=1000000'],
      ['options.timeouts.connectMs', 'Too big: expected number to be <=2147483647'],
    ]);
  });

  it('refuses huge or control-character strings and long lists in options', () => {
    const parse = (options: unknown) =>
      createResourceRequest
        .safeParse({ name: 'a', kind: 'http', host: 'a.example', targets: [{ url: 'http://10.0.0.5' }], options })
        .error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(parse({ securityHeaders: { referrerPolicy: 'x'.repeat(100_000) } })).toEqual([
      ['options.securityHeaders.referrerPolicy', 'expected a Referrer-Policy value such as no-referrer'],
    ]);
    expect(parse({ securityHeaders: { referrerPolicy: 'no-referrer\r\nSet-Cookie: a=b' } })).toEqual([
      ['options.securityHeaders.referrerPolicy', 'expected a Referrer-Policy value such as no-referrer'],
    ]);
    expect(parse({ cors: { allowOrigins: Array.from({ length: 101 }, () => 'https://a.example') } })).toEqual([
      ['options.cors.allowOrigins', 'Too big: expected array to have <=100 items'],
    ]);
    expect(parse({ cors: { allowOrigins: ['https://a.example'], allowHeaders: ['x-a', 'x\u0000'] } })).toEqual([
      ['options.cors.allowHeaders.1', 'expected a header name'],
    ]);
  });
});
