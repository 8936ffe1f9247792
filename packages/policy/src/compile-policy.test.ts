import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import type { Criteria, Decision, Policy, RequestContext, Rule } from './types.js';

const CA = 'a'.repeat(64);
const OTHER_CA = 'b'.repeat(64);
const LEAF = 'c'.repeat(64);
/** `LEAF` as Node's `fingerprint256` prints it. */
const LEAF_COLONS = Array.from({ length: 32 }, () => 'CC').join(':');

// Wednesday 2024-05-15, 10:00 UTC.
const NOW = new Date('2024-05-15T10:00:00Z');

/** A signed-in operator on the corporate network, unless `overrides` says otherwise. */
function request(overrides: Partial<Record<keyof RequestContext, unknown>> = {}): RequestContext {
  return {
    user: { id: 'u-alice', email: 'Alice@Example.com', roles: ['operator', 'billing'] },
    authMethod: 'sso',
    secondFactor: true,
    sourceIp: '10.1.2.3',
    method: 'GET',
    path: '/api/items',
    time: NOW,
    device: {
      chainFingerprints: [CA],
      sans: ['DNS:laptop.corp.example', 'URI:spiffe://corp/dev/7'],
      fingerprint: LEAF,
    },
    ...overrides,
  } as RequestContext;
}

const rule = (id: string, effect: Rule['effect'], when: Criteria = {}): Rule => ({ id, effect, when });
const allowOnly = (when: Criteria) => compilePolicy({ rules: [rule('only', 'allow', when)] });
const decided = (allowed: boolean, reason: Decision['reason'], ruleId?: string): Decision =>
  ruleId === undefined ? { allowed, reason } : { allowed, reason, ruleId };

describe('each criterion alone', () => {
  it.each<[string, Criteria, Partial<Record<keyof RequestContext, unknown>>, boolean]>([
    ['users: listed', { users: ['u-bob', 'u-alice'] }, {}, true],
    ['users: not listed', { users: ['u-bob'] }, {}, false],
    ['roles: one of them', { roles: ['admin', 'operator'] }, {}, true],
    ['roles: none of them', { roles: ['admin'] }, {}, false],
    ['roles: user has none', { roles: ['admin'] }, { user: { id: 'u', email: 'u@example.com', roles: [] } }, false],
    ['emails: exact, other case', { emails: ['alice@example.com'] }, {}, true],
    ['emails: exact entry in uppercase', { emails: ['ALICE@EXAMPLE.COM'] }, {}, true],
    ['emails: another address', { emails: ['bob@example.com'] }, {}, false],
    ['emails: domain', { emails: ['@example.com'] }, {}, true],
    ['emails: domain in uppercase', { emails: ['@EXAMPLE.com'] }, {}, true],
    ['emails: a subdomain is another domain', { emails: ['@example.com'] }, { user: user('x@sub.example.com') }, false],
    ['emails: a parent domain is another domain', { emails: ['@sub.example.com'] }, {}, false],
    [
      'emails: evilexample.com is not example.com',
      { emails: ['@example.com'] },
      { user: user('x@evilexample.com') },
      false,
    ],
    ['emails: domain as local part', { emails: ['@example.com'] }, { user: user('example.com@evil.org') }, false],
    ['sourceCidrs: in an IPv4 network', { sourceCidrs: ['192.168.0.0/16', '10.0.0.0/8'] }, {}, true],
    ['sourceCidrs: outside', { sourceCidrs: ['192.168.0.0/16'] }, {}, false],
    ['sourceCidrs: single address', { sourceCidrs: ['10.1.2.3'] }, {}, true],
    ['sourceCidrs: next address', { sourceCidrs: ['10.1.2.4'] }, {}, false],
    ['sourceCidrs: /31 upper half', { sourceCidrs: ['10.1.2.2/31'] }, {}, true],
    ['sourceCidrs: /31 neighbour', { sourceCidrs: ['10.1.2.0/31'] }, {}, false],
    ['sourceCidrs: high bit set', { sourceCidrs: ['128.0.0.0/1'] }, { sourceIp: '200.1.1.1' }, true],
    ['sourceCidrs: high bit clear', { sourceCidrs: ['128.0.0.0/1'] }, { sourceIp: '127.0.0.1' }, false],
    ['sourceCidrs: 0.0.0.0/0', { sourceCidrs: ['0.0.0.0/0'] }, { sourceIp: '255.255.255.255' }, true],
    ['sourceCidrs: IPv6 network', { sourceCidrs: ['2001:db8::/32'] }, { sourceIp: '2001:db8:1::5' }, true],
    ['sourceCidrs: IPv6 outside', { sourceCidrs: ['2001:db8::/32'] }, { sourceIp: '2001:db9::1' }, false],
    [
      'sourceCidrs: IPv6 /65 inside',
      { sourceCidrs: ['2001:db8:0:0:8000::/65'] },
      { sourceIp: '2001:db8::8000:0:0:1' },
      true,
    ],
    [
      'sourceCidrs: IPv6 /65 outside',
      { sourceCidrs: ['2001:db8:0:0:8000::/65'] },
      { sourceIp: '2001:db8::7fff:0:0:1' },
      false,
    ],
    ['sourceCidrs: ::1', { sourceCidrs: ['::1/128'] }, { sourceIp: '::1' }, true],
    ['sourceCidrs: IPv6 zone ignored', { sourceCidrs: ['fe80::/10'] }, { sourceIp: 'fe80::1%eth0' }, true],
    ['sourceCidrs: IPv4-mapped source', { sourceCidrs: ['10.0.0.0/8'] }, { sourceIp: '::ffff:10.1.2.3' }, true],
    ['sourceCidrs: IPv4-mapped source, hex', { sourceCidrs: ['10.0.0.0/8'] }, { sourceIp: '::ffff:a01:203' }, true],
    ['sourceCidrs: IPv4-mapped outside', { sourceCidrs: ['10.0.0.0/8'] }, { sourceIp: '::ffff:11.1.2.3' }, false],
    ['sourceCidrs: IPv4-mapped network', { sourceCidrs: ['::ffff:10.0.0.0/104'] }, { sourceIp: '10.9.9.9' }, true],
    [
      'sourceCidrs: IPv4-mapped network outside',
      { sourceCidrs: ['::ffff:10.0.0.0/104'] },
      { sourceIp: '11.0.0.1' },
      false,
    ],
    ['sourceCidrs: IPv4 is not in ::/0', { sourceCidrs: ['::/0'] }, {}, false],
    ['sourceCidrs: IPv6 is not in 0.0.0.0/0', { sourceCidrs: ['0.0.0.0/0'] }, { sourceIp: '2001:db8::1' }, false],
    ['sourceCidrs: IPv4-compatible is IPv6', { sourceCidrs: ['10.0.0.0/8'] }, { sourceIp: '::10.1.2.3' }, false],
    ['methods: listed', { methods: ['HEAD', 'GET'] }, {}, true],
    ['methods: not listed', { methods: ['POST'] }, {}, false],
    ['methods: lowercase entry', { methods: ['get'] }, {}, true],
    ['methods: lowercase request', { methods: ['DELETE'] }, { method: 'delete' }, true],
    ['paths: under a prefix', { paths: ['/api'] }, {}, true],
    ['paths: not under it', { paths: ['/admin'] }, {}, false],
    ['paths: glob', { paths: ['/api/*'] }, {}, true],
    ['schedule: inside', { schedule: { days: ['wed'], from: '09:00', to: '11:00', timeZone: 'UTC' } }, {}, true],
    ['schedule: outside', { schedule: { days: ['wed'], from: '11:00', to: '12:00', timeZone: 'UTC' } }, {}, false],
    ['authMethods: listed', { authMethods: ['password', 'sso'] }, {}, true],
    ['authMethods: not listed', { authMethods: ['api_key', 'mtls'] }, {}, false],
    ['authMethods: none given', { authMethods: ['sso'] }, { authMethod: undefined }, false],
    ['requireSecondFactor: passed', { requireSecondFactor: true }, {}, true],
    ['requireSecondFactor: not passed', { requireSecondFactor: true }, { secondFactor: false }, false],
    ['requireSecondFactor: unknown', { requireSecondFactor: true }, { secondFactor: undefined }, false],
    ['requireSecondFactor: false asks nothing', { requireSecondFactor: false }, { secondFactor: false }, true],
    ['device: CA in chain', { device: { caFingerprints: [OTHER_CA, CA] } }, {}, true],
    ['device: CA not in chain', { device: { caFingerprints: [OTHER_CA] } }, {}, false],
    ['device: CA given with colons', { device: { caFingerprints: [Array(32).fill('AA').join(':')] } }, {}, true],
    ['device: leaf is no CA', { device: { caFingerprints: [LEAF] } }, {}, false],
    ['device: SAN', { device: { sans: ['URI:spiffe://corp/dev/7'] } }, {}, true],
    ['device: SAN missing', { device: { sans: ['DNS:other.corp.example'] } }, {}, false],
    ['device: DNS SAN in another case', { device: { sans: ['DNS:Laptop.Corp.Example'] } }, {}, true],
    [
      'device: request DNS SAN in another case',
      { device: { sans: ['DNS:laptop.corp.example'] } },
      { device: device({ sans: ['DNS:LAPTOP.corp.example'] }) },
      true,
    ],
    ['device: URI SAN is case-sensitive', { device: { sans: ['URI:spiffe://corp/DEV/7'] } }, {}, false],
    ['device: fingerprint', { device: { fingerprints: [LEAF_COLONS] } }, {}, true],
    ['device: other fingerprint', { device: { fingerprints: [CA] } }, {}, false],
    ['device: {} needs a certificate', { device: {} }, {}, true],
    ['device: no certificate', { device: {} }, { device: undefined }, false],
    ['device: every given field must match', { device: { caFingerprints: [CA], fingerprints: [CA] } }, {}, false],
  ])('%s', (_name, when, overrides, expected) => {
    const policy = allowOnly(when);
    const ctx = request(overrides);
    expect(policy.evaluate(ctx)).toEqual(
      expected ? decided(true, 'allowed_by_rule', 'only') : decided(false, 'no_matching_allow'),
    );
    const [explained] = policy.explain(ctx).rules;
    expect(explained?.criteria).toHaveLength(1);
    expect(explained?.criteria[0]?.matched).toBe(expected);
  });
});

function user(email: string) {
  return { id: 'u-x', email, roles: [] };
}

function device(overrides: Record<string, unknown>) {
  return { chainFingerprints: [CA], sans: [], fingerprint: LEAF, ...overrides };
}

describe('combinations', () => {
  const policy = allowOnly({ roles: ['operator'], methods: ['GET'], paths: ['/api'], sourceCidrs: ['10.0.0.0/8'] });

  it.each<[string, Partial<Record<keyof RequestContext, unknown>>, boolean]>([
    ['all criteria match', {}, true],
    ['the role differs', { user: { id: 'u', email: 'u@example.com', roles: ['viewer'] } }, false],
    ['the method differs', { method: 'POST' }, false],
    ['the path differs', { path: '/admin' }, false],
    ['the source differs', { sourceIp: '203.0.113.9' }, false],
  ])('%s', (_name, overrides, expected) => {
    expect(policy.evaluate(request(overrides)).allowed).toBe(expected);
  });

  it('an empty `when` admits every authenticated user, and no one else', () => {
    const everyone = allowOnly({});
    expect(everyone.evaluate(request())).toEqual(decided(true, 'allowed_by_rule', 'only'));
    expect(everyone.evaluate(request({ user: undefined }))).toEqual(decided(false, 'unauthenticated'));
  });
});

describe('decisions', () => {
  const denyContractors = rule('no-contractors', 'deny', { emails: ['@contractor.example'] });
  const allowExample = rule('staff', 'allow', { emails: ['@example.com'] });
  const health = rule('health', 'bypass', { paths: ['/health'], methods: ['GET'] });
  const blockNet = rule('block-net', 'deny', { sourceCidrs: ['203.0.113.0/24'] });
  const contractor = { id: 'u-c', email: 'c@contractor.example', roles: ['operator'] };

  it.each<[string, Policy, Partial<Record<keyof RequestContext, unknown>>, Decision]>([
    ['no rules: default deny', { rules: [] }, {}, decided(false, 'no_matching_allow')],
    [
      'no allow matches: default deny',
      { rules: [allowExample] },
      { user: contractor },
      decided(false, 'no_matching_allow'),
    ],
    ['an allow matches', { rules: [denyContractors, allowExample] }, {}, decided(true, 'allowed_by_rule', 'staff')],
    [
      'the first matching allow is named',
      { rules: [allowExample, rule('all', 'allow')] },
      {},
      decided(true, 'allowed_by_rule', 'staff'),
    ],
    [
      'deny wins, deny listed first',
      { rules: [denyContractors, rule('all', 'allow')] },
      { user: contractor },
      decided(false, 'denied_by_rule', 'no-contractors'),
    ],
    [
      'deny wins, deny listed last',
      { rules: [rule('all', 'allow'), denyContractors] },
      { user: contractor },
      decided(false, 'denied_by_rule', 'no-contractors'),
    ],
    [
      'an empty deny shuts everyone out',
      { rules: [rule('all', 'allow'), rule('closed', 'deny')] },
      {},
      decided(false, 'denied_by_rule', 'closed'),
    ],
    [
      'no user: unauthenticated',
      { rules: [rule('all', 'allow')] },
      { user: undefined },
      decided(false, 'unauthenticated'),
    ],
    ['a null user is no user', { rules: [rule('all', 'allow')] }, { user: null }, decided(false, 'unauthenticated')],
    [
      'null optional fields are absent',
      { rules: [rule('all', 'allow')] },
      { authMethod: null, secondFactor: null, device: null },
      decided(true, 'allowed_by_rule', 'all'),
    ],
    [
      'a user-based deny does not apply to no user',
      { rules: [denyContractors] },
      { user: undefined },
      decided(false, 'unauthenticated'),
    ],
    ['public: anonymous allowed', { public: true, rules: [] }, { user: undefined }, decided(true, 'public')],
    ['public: signed-in allowed', { public: true, rules: [] }, {}, decided(true, 'public')],
    [
      'public: deny still wins',
      { public: true, rules: [blockNet] },
      { user: undefined, sourceIp: '203.0.113.9' },
      decided(false, 'denied_by_rule', 'block-net'),
    ],
    ['public: other sources pass', { public: true, rules: [blockNet] }, { user: undefined }, decided(true, 'public')],
    [
      'bypass: anonymous on its path',
      { rules: [health] },
      { user: undefined, path: '/health' },
      decided(true, 'bypass', 'health'),
    ],
    [
      'bypass: below its path',
      { rules: [health] },
      { user: undefined, path: '/health/live' },
      decided(true, 'bypass', 'health'),
    ],
    [
      'bypass: not a sibling path',
      { rules: [health] },
      { user: undefined, path: '/healthz' },
      decided(false, 'unauthenticated'),
    ],
    [
      'bypass: other method',
      { rules: [health] },
      { user: undefined, path: '/health', method: 'POST' },
      decided(false, 'unauthenticated'),
    ],
    ['bypass: signed-in user too', { rules: [health] }, { path: '/health' }, decided(true, 'bypass', 'health')],
    [
      'bypass: deny wins',
      { rules: [health, blockNet] },
      { user: undefined, path: '/health', sourceIp: '203.0.113.9' },
      decided(false, 'denied_by_rule', 'block-net'),
    ],
    [
      'bypass: other paths still need a user',
      { rules: [health, rule('all', 'allow')] },
      { user: undefined },
      decided(false, 'unauthenticated'),
    ],
  ])('%s', (_name, policy, overrides, expected) => {
    const compiled = compilePolicy(policy);
    expect(compiled.evaluate(request(overrides))).toEqual(expected);
    expect(compiled.explain(request(overrides)).decision).toEqual(expected);
  });

  it('returns frozen decisions', () => {
    const decision = compilePolicy({ rules: [rule('all', 'allow')] }).evaluate(request());
    expect(Object.isFrozen(decision)).toBe(true);
  });
});

describe('invalid contexts fail closed', () => {
  const open = compilePolicy({ public: true, rules: [rule('health', 'bypass', { paths: ['/'] })] });

  it.each<[string, unknown, string]>([
    ['not an object', 'garbage', 'the context must be an object'],
    ['null', null, 'the context must be an object'],
    ['a bad IPv4 address', request({ sourceIp: '10.0.0.256' }), 'sourceIp must be an IP address'],
    ['a host name as address', request({ sourceIp: 'localhost' }), 'sourceIp must be an IP address'],
    ['a leading-zero address', request({ sourceIp: '010.0.0.1' }), 'sourceIp must be an IP address'],
    ['an empty address', request({ sourceIp: '' }), 'sourceIp must be an IP address'],
    ['a numeric address', request({ sourceIp: 167837953 }), 'sourceIp must be an IP address'],
    ['a method with a space', request({ method: 'GE T' }), 'method must be an HTTP method token'],
    ['an empty method', request({ method: '' }), 'method must be an HTTP method token'],
    ['a relative path', request({ path: 'api' }), 'path must be a normalized absolute path'],
    ['a path with a dot-segment', request({ path: '/public/../private' }), 'path must be a normalized absolute path'],
    [
      'a path with an encoded dot-segment',
      request({ path: '/public/%2e%2e/private' }),
      'path must be a normalized absolute path',
    ],
    ['a path with a query', request({ path: '/a?b=1' }), 'path must be a normalized absolute path'],
    ['a missing path', request({ path: undefined }), 'path must be a normalized absolute path'],
    ['an invalid date', request({ time: new Date('nope') }), 'time must be a valid Date'],
    ['a time that is no Date', request({ time: '2024-05-15T10:00:00Z' }), 'time must be a valid Date'],
    ['a user that is no object', request({ user: 'alice' }), 'user must be an object'],
    [
      'a user without id',
      request({ user: { email: 'a@example.com', roles: [] } }),
      'user.id must be a non-empty string',
    ],
    [
      'an email with two "@"',
      request({ user: user('a@b@example.com') }),
      'user.email must be an address with exactly one "@"',
    ],
    [
      'an email with a trailing dot',
      request({ user: user('a@example.com.') }),
      'user.email must be an address with exactly one "@"',
    ],
    [
      'an email with a space',
      request({ user: user('a @example.com') }),
      'user.email must be an address with exactly one "@"',
    ],
    [
      'roles that are no array',
      request({ user: { id: 'u', email: 'u@example.com', roles: 'admin' } }),
      'user.roles must be an array of strings',
    ],
    [
      'an unknown auth method',
      request({ authMethod: 'magic' }),
      'authMethod must be one of password, sso, api_key, mtls',
    ],
    ['a second factor that is no boolean', request({ secondFactor: 'yes' }), 'secondFactor must be a boolean'],
    ['a device that is no object', request({ device: 'laptop' }), 'device must be an object'],
    [
      'a colon fingerprint',
      request({ device: device({ fingerprint: LEAF_COLONS }) }),
      'device.fingerprint must be a SHA-256 fingerprint in 64 lowercase hex digits',
    ],
    [
      'an uppercase chain fingerprint',
      request({ device: device({ chainFingerprints: [CA.toUpperCase()] }) }),
      'device.chainFingerprints must be SHA-256 fingerprints in 64 lowercase hex digits',
    ],
    [
      'SANs that are no array',
      request({ device: device({ sans: 'DNS:x' }) }),
      'device.sans must be an array of strings',
    ],
  ])('%s', (_name, ctx, problem) => {
    expect(open.evaluate(ctx as RequestContext)).toEqual(decided(false, 'invalid_context'));
    const explanation = open.explain(ctx as RequestContext);
    expect(explanation).toEqual({
      decision: decided(false, 'invalid_context'),
      summary: `denied: the request context is invalid: ${problem}`,
      rules: [],
      problem,
    });
  });

  it('a context whose getters throw', () => {
    const hostile = Object.defineProperty(request(), 'path', {
      get() {
        throw new Error('boom');
      },
    });
    expect(open.evaluate(hostile)).toEqual(decided(false, 'invalid_context'));
    expect(open.explain(hostile).problem).toBe('the context could not be read');
  });
});

describe('explain', () => {
  const policy = compilePolicy({
    rules: [
      rule('office', 'allow', { sourceCidrs: ['10.0.0.0/8'], roles: ['operator'] }),
      rule('admins', 'allow', { roles: ['admin'], requireSecondFactor: true }),
      rule('no-writes-at-night', 'deny', {
        methods: ['POST', 'PUT', 'DELETE'],
        schedule: {
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          from: '22:00',
          to: '06:00',
          timeZone: 'Europe/Berlin',
        },
      }),
    ],
  });

  it('lists every rule and criterion with its reason', () => {
    expect(policy.explain(request({ sourceIp: '203.0.113.9' }))).toEqual({
      decision: decided(false, 'no_matching_allow'),
      summary: 'denied: no allow rule matches',
      rules: [
        {
          id: 'office',
          effect: 'allow',
          matched: false,
          criteria: [
            { criterion: 'roles', matched: true, reason: 'role operator is listed' },
            { criterion: 'sourceCidrs', matched: false, reason: '203.0.113.9 is not in 10.0.0.0/8' },
          ],
        },
        {
          id: 'admins',
          effect: 'allow',
          matched: false,
          criteria: [
            { criterion: 'roles', matched: false, reason: 'roles [operator, billing] include none of admin' },
            { criterion: 'requireSecondFactor', matched: true, reason: 'second factor passed' },
          ],
        },
        {
          id: 'no-writes-at-night',
          effect: 'deny',
          matched: false,
          criteria: [
            { criterion: 'methods', matched: false, reason: 'GET is not one of POST, PUT, DELETE' },
            {
              criterion: 'schedule',
              matched: false,
              reason: 'wed 12:00 in Europe/Berlin is outside mon, tue, wed, thu, fri, sat, sun 22:00–06:00',
            },
          ],
        },
      ],
    });
  });

  it('names the deciding rule', () => {
    const night = new Date('2024-05-15T21:30:00Z'); // 23:30 in Berlin
    const explanation = policy.explain(request({ method: 'POST', time: night }));
    expect(explanation.decision).toEqual(decided(false, 'denied_by_rule', 'no-writes-at-night'));
    expect(explanation.summary).toBe('denied by rule "no-writes-at-night"');
    expect(explanation.rules.map((r) => [r.id, r.matched])).toEqual([
      ['office', true],
      ['admins', false],
      ['no-writes-at-night', true],
    ]);
    expect(explanation.rules[2]?.criteria[1]?.reason).toBe(
      'wed 23:30 in Europe/Berlin is inside mon, tue, wed, thu, fri, sat, sun 22:00–06:00',
    );
  });

  it.each<[Criteria, Partial<Record<keyof RequestContext, unknown>>, string]>([
    [{ sourceCidrs: ['10.0.0.0/8', '2001:db8::/32'] }, {}, '10.1.2.3 is in 10.0.0.0/8'],
    [{ users: ['u-bob'] }, {}, 'user u-alice is not one of u-bob'],
    [{ users: ['u-alice'] }, {}, 'user u-alice is listed'],
    [{ users: ['u-alice'] }, { user: undefined }, 'no authenticated user'],
    [{ emails: ['@example.com'] }, {}, 'alice@example.com matches @example.com'],
    [
      { emails: ['@Example.org', 'bob@example.com'] },
      {},
      'alice@example.com matches none of @example.org, bob@example.com',
    ],
    [{ paths: ['/admin', '/api'] }, {}, '/api/items is under /api'],
    [{ paths: ['/api/*'] }, {}, '/api/items matches /api/*'],
    [
      { paths: ['/a', '/b', '/c', '/d', '/e', '/f', '/g'] },
      {},
      '/api/items matches none of /a, /b, /c, /d, /e and 2 more',
    ],
    [{ methods: ['get'] }, { method: 'get' }, 'GET is one of GET'],
    [{ authMethods: ['mtls'] }, {}, 'sso is not one of mtls'],
    [{ authMethods: ['mtls'] }, { authMethod: undefined }, 'no authentication method'],
    [{ requireSecondFactor: true }, { secondFactor: false }, 'no second factor'],
    [{ requireSecondFactor: false }, {}, 'no second factor required'],
    [{ device: {} }, { device: undefined }, 'no verified client certificate'],
    [{ device: {} }, {}, 'a verified client certificate is present'],
    [
      { device: { caFingerprints: [CA], sans: ['DNS:other'], fingerprints: [LEAF] } },
      {},
      'chain holds CA aaaaaaaaaaaaaaaa…; SANs hold none of DNS:other; certificate cccccccccccccccc… is a listed fingerprint',
    ],
    [
      { schedule: { days: ['fri'], from: '22:00', to: '02:00', timeZone: 'Asia/Kolkata' } },
      {},
      'wed 15:30 in Asia/Kolkata is outside fri 22:00–02:00',
    ],
  ])('reason for %j', (when, overrides, reason) => {
    expect(allowOnly(when).explain(request(overrides)).rules[0]?.criteria[0]?.reason).toBe(reason);
  });

  it('summarises public, bypass and unauthenticated decisions', () => {
    const anonymous = request({ user: undefined, path: '/health' });
    expect(compilePolicy({ public: true, rules: [] }).explain(anonymous).summary).toBe(
      'allowed: the resource is public',
    );
    expect(compilePolicy({ rules: [rule('h', 'bypass', { paths: ['/health'] })] }).explain(anonymous).summary).toBe(
      'allowed without authentication by bypass rule "h"',
    );
    expect(compilePolicy({ rules: [] }).explain(anonymous).summary).toBe(
      'denied: the request has no authenticated user, and no public access or bypass rule applies',
    );
  });
});
