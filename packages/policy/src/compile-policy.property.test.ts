import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import type { Criteria, Policy, RequestContext, Rule, Schedule } from './types.js';

// Small pools, so generated rules and requests meet often and every branch is exercised.
const CA = 'a'.repeat(64);
const LEAF = 'c'.repeat(64);
const USER_IDS = ['u1', 'u2', 'u3'];
const ROLES = ['admin', 'viewer', 'ops'];
const EMAILS = ['a@x.com', 'B@X.com', 'c@y.org', 'd@sub.x.com'];
const EMAIL_ENTRIES = ['a@x.com', '@x.com', '@y.org', 'B@X.COM', '@sub.x.com'];
const CIDRS = [
  '10.0.0.0/8',
  '10.1.0.0/16',
  '192.168.1.0/24',
  '2001:db8::/32',
  '0.0.0.0/0',
  '::/0',
  '::ffff:10.0.0.0/104',
];
const IPS = ['10.1.2.3', '10.2.0.1', '192.168.1.7', '8.8.8.8', '2001:db8::1', '2001:db9::1', '::ffff:10.1.2.3', '::1'];
const METHODS = ['GET', 'POST', 'DELETE', 'get'];
const PATH_ENTRIES = ['/', '/api', '/api/', '/api/**', '/*/admin', '/health', '/admin/*', '/**/x'];
const PATHS = ['/', '/api', '/api/x', '/x/admin', '/health', '/admin/1', '/apix', '/a/b/x'];
const SCHEDULES: Schedule[] = [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' },
  { days: ['fri', 'sat'], from: '22:00', to: '02:00', timeZone: 'America/New_York' },
  { days: ['sun'], from: '00:00', to: '24:00', timeZone: 'UTC' },
];

const someOf = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });

const requestCriteria = {
  sourceCidrs: someOf(CIDRS),
  methods: someOf(['GET', 'POST', 'DELETE', 'put']),
  paths: someOf(PATH_ENTRIES),
  schedule: fc.constantFrom(...SCHEDULES),
  device: fc.record(
    {
      caFingerprints: someOf([CA, 'b'.repeat(64)]),
      sans: someOf(['DNS:laptop', 'URI:spiffe://x']),
      fingerprints: someOf([LEAF]),
    },
    { requiredKeys: [] },
  ),
};
const identityCriteria = {
  users: someOf(USER_IDS),
  roles: someOf(ROLES),
  emails: someOf(EMAIL_ENTRIES),
  authMethods: someOf(['password', 'sso', 'api_key', 'mtls'] as const),
  requireSecondFactor: fc.boolean(),
};

const criteria: fc.Arbitrary<Criteria> = fc.record({ ...identityCriteria, ...requestCriteria }, { requiredKeys: [] });
const bypassCriteria: fc.Arbitrary<Criteria> = fc.record(requestCriteria, { requiredKeys: ['paths'] });

const rule: fc.Arbitrary<Omit<Rule, 'id'>> = fc.oneof(
  fc.record({ effect: fc.constantFrom('allow' as const, 'deny' as const), when: criteria }),
  fc.record({ effect: fc.constant('bypass' as const), when: bypassCriteria }),
);
const allowRule = criteria.map((when): Rule => ({ id: 'added', effect: 'allow', when }));

const withIds = (rules: readonly Omit<Rule, 'id'>[]): Rule[] => rules.map((r, i) => ({ ...r, id: `r${String(i)}` }));
const policy: fc.Arbitrary<Policy> = fc.record(
  { public: fc.boolean(), rules: fc.array(rule, { maxLength: 6 }).map(withIds) },
  { requiredKeys: ['rules'] },
);

const context: fc.Arbitrary<RequestContext> = fc.record(
  {
    user: fc.record({ id: fc.constantFrom(...USER_IDS), email: fc.constantFrom(...EMAILS), roles: fc.subarray(ROLES) }),
    authMethod: fc.constantFrom('password' as const, 'sso' as const, 'api_key' as const, 'mtls' as const),
    secondFactor: fc.boolean(),
    sourceIp: fc.constantFrom(...IPS),
    method: fc.constantFrom(...METHODS),
    path: fc.constantFrom(...PATHS),
    time: fc.date({
      min: new Date('2024-01-01T00:00:00Z'),
      max: new Date('2025-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    device: fc.record({
      chainFingerprints: fc.subarray([CA, 'b'.repeat(64)]),
      sans: fc.subarray(['DNS:laptop', 'DNS:LAPTOP', 'URI:spiffe://x']),
      fingerprint: fc.constantFrom(LEAF, 'd'.repeat(64)),
    }),
  },
  { requiredKeys: ['sourceIp', 'method', 'path', 'time'] },
);

/** Contexts with any field replaced by anything, and things that are not contexts at all. */
const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  fc.string(),
  fc
    .tuple(
      context,
      fc.constantFrom('user', 'sourceIp', 'method', 'path', 'time', 'device', 'authMethod', 'secondFactor'),
      fc.anything(),
    )
    .map(([ctx, key, value]) => ({ ...ctx, [key]: value })),
  fc
    .tuple(context, fc.constantFrom('sourceIp', 'method', 'path'), fc.string({ unit: 'binary', maxLength: 30 }))
    .map(([ctx, key, value]) => ({ ...ctx, [key]: value })),
  fc.tuple(context, fc.constantFrom('id', 'email', 'roles'), fc.anything()).map(([ctx, key, value]) => ({
    ...ctx,
    user: { id: 'u1', email: 'a@x.com', roles: [], [key]: value },
  })),
  fc
    .tuple(context, fc.constantFrom('chainFingerprints', 'sans', 'fingerprint'), fc.anything())
    .map(([ctx, key, value]) => ({
      ...ctx,
      device: { chainFingerprints: [], sans: [], fingerprint: LEAF, [key]: value },
    })),
);

/** A deny rule built from the request itself, so it matches by construction, not by the engine's say-so. */
const matchingDeny = (ctx: RequestContext, picks: readonly string[]): Rule => {
  const when: Record<string, unknown> = {};
  for (const pick of picks) {
    if (pick === 'sourceCidrs') when.sourceCidrs = [ctx.sourceIp];
    if (pick === 'paths') when.paths = [ctx.path];
    if (pick === 'methods') when.methods = [ctx.method];
    if (pick === 'users' && ctx.user !== undefined) when.users = [ctx.user.id];
    if (pick === 'emails' && ctx.user !== undefined) when.emails = [ctx.user.email];
  }
  return { id: 'matching-deny', effect: 'deny', when };
};

const insertAt = <T>(list: readonly T[], index: number, item: T): T[] => {
  const at = index % (list.length + 1);
  return [...list.slice(0, at), item, ...list.slice(at)];
};

const RUNS = { numRuns: 2000 };

describe('policy properties', () => {
  it('(a) deny always beats allow: a deny rule that matches the request decides it, wherever it stands', () => {
    fc.assert(
      fc.property(
        policy,
        context,
        fc.subarray(['sourceCidrs', 'paths', 'methods', 'users', 'emails']),
        fc.nat(),
        (p, ctx, picks, index) => {
          const compiled = compilePolicy({ ...p, rules: insertAt(p.rules, index, matchingDeny(ctx, picks)) });
          const decision = compiled.evaluate(ctx);
          expect(decision.allowed).toBe(false);
          expect(decision.reason).toBe('denied_by_rule');
        },
      ),
      RUNS,
    );
  });

  it('(a) deny always beats allow: whenever explain finds a matching deny rule, the request is denied', () => {
    fc.assert(
      fc.property(policy, context, (p, ctx) => {
        const compiled = compilePolicy(p);
        const anyDeny = compiled.explain(ctx).rules.some((r) => r.effect === 'deny' && r.matched);
        if (anyDeny) expect(compiled.evaluate(ctx)).toMatchObject({ allowed: false, reason: 'denied_by_rule' });
      }),
      RUNS,
    );
  });

  it('(b) evaluate and explain never throw, and refuse anything malformed', () => {
    fc.assert(
      fc.property(policy, garbage, (p, ctx) => {
        const compiled = compilePolicy(p);
        const decision = compiled.evaluate(ctx as RequestContext);
        const explanation = compiled.explain(ctx as RequestContext);
        expect(explanation.decision).toEqual(decision);
        if (decision.reason === 'invalid_context') expect(decision.allowed).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('(c) adding an allow rule never turns an allow into a deny', () => {
    fc.assert(
      fc.property(policy, context, allowRule, fc.nat(), (p, ctx, added, index) => {
        const before = compilePolicy(p).evaluate(ctx);
        const after = compilePolicy({ ...p, rules: insertAt(p.rules, index, added) }).evaluate(ctx);
        if (before.allowed) expect(after.allowed).toBe(true);
      }),
      RUNS,
    );
  });

  it('(d) evaluate and explain always agree on the decision', () => {
    fc.assert(
      fc.property(policy, context, (p, ctx) => {
        const compiled = compilePolicy(p);
        const explanation = compiled.explain(ctx);
        expect(explanation.decision).toEqual(compiled.evaluate(ctx));
        // Each rule's verdict is the conjunction of its criteria.
        for (const r of explanation.rules) expect(r.matched).toBe(r.criteria.every((c) => c.matched));
      }),
      RUNS,
    );
  });

  it('the order of rules changes no outcome', () => {
    fc.assert(
      fc.property(
        policy.chain((p) => fc.tuple(fc.constant(p), fc.shuffledSubarray([...p.rules], { minLength: p.rules.length }))),
        context,
        ([p, shuffled], ctx) => {
          const a = compilePolicy(p).evaluate(ctx);
          const b = compilePolicy({ ...p, rules: shuffled }).evaluate(ctx);
          expect([b.allowed, b.reason]).toEqual([a.allowed, a.reason]);
        },
      ),
      RUNS,
    );
  });

  it('compilePolicy either compiles or throws a PolicyError, whatever it is given', () => {
    const anyRule = fc.oneof(
      fc.anything(),
      fc.record({
        id: fc.oneof(fc.string(), fc.anything()),
        effect: fc.constantFrom('allow', 'deny', 'bypass', 'x'),
        when: fc.anything(),
      }),
      fc.record({
        id: fc.string({ minLength: 1 }),
        effect: fc.constantFrom('allow', 'deny', 'bypass'),
        when: fc.dictionary(
          fc.constantFrom(...Object.keys({ ...identityCriteria, ...requestCriteria })),
          fc.anything(),
        ),
      }),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ public: fc.anything(), rules: fc.array(anyRule, { maxLength: 3 }) })),
        (input) => {
          try {
            compilePolicy(input as Policy);
          } catch (error) {
            expect(error).toMatchObject({ name: 'PolicyError', code: 'ERR_POLICY_INVALID' });
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
