import { describe, expect, it } from 'vitest';
import type { AuditEventView, ResourceView } from '../api/types.js';
import { auditQuery, filtersFrom, localToIso, NO_AUDIT_FILTERS } from './audit-query.js';
import { agentCommand, connectorCommand, offlineReasonText } from './enrol-command.js';
import { formatPercent, formatRate, formatTime, lastSeen, timeAgo } from './format.js';
import { monitorRowOf, pushRow } from './monitor-event.js';
import { loginUrl, safeNext } from './next-path.js';
import { formatRules, parseRules, STARTER_RULES } from './policy-rules.js';
import { listOf, parseRoleMapping, signInOrg, ssoStartHref } from './sso.js';
import { EMPTY_RESOURCE_FORM, formOf, resourceBody, tcpTargetOf } from './resource-form.js';

describe('next path after sign-in', () => {
  it('keeps paths of this origin only', () => {
    expect(safeNext('/orgs/1/resources?q=a')).toBe('/orgs/1/resources?q=a');
    for (const bad of [
      null,
      undefined,
      '',
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      '/a\u0000b',
      '/login',
      '/login?next=/x',
    ]) {
      expect(safeNext(bad)).toBe('/');
    }
  });

  it('builds the login URL that comes back', () => {
    expect(loginUrl('/orgs/1/audit?action=auth.*')).toBe('/login?next=%2Forgs%2F1%2Faudit%3Faction%3Dauth.*');
    expect(loginUrl('/')).toBe('/login');
    expect(loginUrl('//evil')).toBe('/login');
  });
});

const http: ResourceView = {
  id: 'r1',
  orgId: 'o1',
  name: 'grafana',
  host: 'grafana.example.com',
  policyId: 'p1',
  siteId: null,
  enabled: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  kind: 'http',
  pathPrefix: '/',
  targets: [{ url: 'http://10.0.0.5:3000', weight: 1 }],
  options: { public: false },
};

describe('resource form', () => {
  it('round-trips an HTTP resource', () => {
    const form = formOf(http);
    expect(form).toMatchObject({
      kind: 'http',
      targets: 'http://10.0.0.5:3000',
      policyId: 'p1',
      siteId: '',
      public: false,
    });
    expect(resourceBody(form)).toEqual({
      name: 'grafana',
      kind: 'http',
      host: 'grafana.example.com',
      pathPrefix: '/',
      targets: [{ url: 'http://10.0.0.5:3000' }],
      options: {},
      enabled: true,
      policyId: 'p1',
      siteId: null,
    });
    expect(resourceBody({ ...form, public: true, pathPrefix: ' ' }, true)).toMatchObject({
      options: { public: true },
      pathPrefix: '/',
    });
    expect(resourceBody(form, true)).not.toHaveProperty('kind');
  });

  it('turns TCP lines into targets, IPv6 in brackets too, and passes what it cannot parse to the API', () => {
    expect(tcpTargetOf('10.0.0.7:5432')).toEqual({ host: '10.0.0.7', port: 5432 });
    expect(tcpTargetOf('[fd00::7]:22')).toEqual({ host: 'fd00::7', port: 22 });
    expect(tcpTargetOf('nonsense')).toEqual({ host: 'nonsense', port: 0 });
    const body = resourceBody({
      ...EMPTY_RESOURCE_FORM,
      name: 'db',
      kind: 'tcp',
      port: '5432',
      targets: '10.0.0.7:5432\n\n [fd00::7]:5432 ',
    });
    expect(body).toMatchObject({
      kind: 'tcp',
      port: 5432,
      targets: [
        { host: '10.0.0.7', port: 5432 },
        { host: 'fd00::7', port: 5432 },
      ],
    });
    expect(resourceBody({ ...EMPTY_RESOURCE_FORM, kind: 'tcp', port: 'abc' })).toMatchObject({ port: 'abc' });
    const tcp = {
      ...http,
      kind: 'tcp',
      port: 2222,
      host: '',
      targets: [{ host: 'fd00::7', port: 22, weight: 1 }],
      options: {},
    } as unknown as ResourceView;
    expect(formOf(tcp)).toMatchObject({ kind: 'tcp', port: '2222', targets: '[fd00::7]:22' });
  });
});

describe('audit query', () => {
  it('leaves out empty filters and converts local times to instants', () => {
    expect(auditQuery(NO_AUDIT_FILTERS)).toBe('');
    const from = '2026-03-01T10:00';
    expect(auditQuery({ ...NO_AUDIT_FILTERS, action: ' resource.* ', from }, { limit: '50', cursor: '' })).toBe(
      `?action=resource.*&from=${encodeURIComponent(new Date(from).toISOString())}&limit=50`,
    );
    expect(localToIso('not a date')).toBe('not a date');
    expect(localToIso('')).toBe('');
    expect(filtersFrom(new URLSearchParams('action=auth.*&to=x'))).toEqual({
      ...NO_AUDIT_FILTERS,
      action: 'auth.*',
      to: 'x',
    });
  });
});

const event = (action: string, data: Record<string, unknown>, extra: Partial<AuditEventView> = {}): AuditEventView => ({
  id: `e-${action}-${typeof data.path === 'string' ? data.path : ''}`,
  orgId: 'o1',
  seq: 1,
  at: '2026-01-01T00:00:00.000Z',
  actor: { type: 'agent', id: null },
  action,
  target: { type: 'resource', id: 'r1' },
  ip: '203.0.113.9',
  data,
  hash: 'h',
  prevHash: 'p',
  ...extra,
});

describe('live monitor rows', () => {
  it('shows gateway decisions as requests', () => {
    const data = { method: 'GET', host: 'wiki.example.com', path: '/admin', status: 403, reason: 'no_matching_allow' };
    expect(monitorRowOf(event('access.denied', data))).toMatchObject({
      kind: 'denied',
      title: 'GET wiki.example.com/admin 403',
      detail: 'denied · no_matching_allow · 203.0.113.9',
    });
    expect(monitorRowOf(event('access.blocked', {}))).toMatchObject({
      kind: 'denied',
      title: 'access.blocked',
      detail: 'blocked · 203.0.113.9',
    });
    expect(monitorRowOf(event('access.allowed', { ...data, status: 200, path: '/' })).kind).toBe('allowed');
  });

  it('shows tunnel events and other changes with who did them', () => {
    expect(
      monitorRowOf(event('site.create', { name: 'lab' }, { target: { type: 'site', id: 's1' }, ip: null })),
    ).toMatchObject({
      kind: 'tunnel',
      title: 'site.create lab',
      detail: 'by agent · site s1',
    });
    expect(monitorRowOf(event('resource.update', {}, { target: null })).kind).toBe('change');
  });

  it('keeps the newest rows first, without duplicates, up to a bound', () => {
    const a = monitorRowOf(event('x.a', {}));
    const b = monitorRowOf(event('x.b', {}));
    expect(pushRow(pushRow([], a), b).map((r) => r.id)).toEqual([b.id, a.id]);
    expect(pushRow([a], a)).toHaveLength(1);
    expect(pushRow([a], b, 1)).toEqual([b]);
  });
});

describe('formatting', () => {
  const now = new Date('2026-01-02T00:00:00Z');
  it('says how long ago', () => {
    expect(timeAgo(null, now)).toBe('never');
    expect(timeAgo('2026-01-01T23:59:40Z', now)).toBe('just now');
    expect(timeAgo('2026-01-01T23:55:00Z', now)).toBe('5 min ago');
    expect(timeAgo('2026-01-01T21:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('2025-12-31T00:00:00Z', now)).toBe('2 days ago');
    expect(timeAgo('2026-01-01T00:00:00Z', now)).toBe('1 day ago');
    expect(timeAgo('2026-01-03T00:00:00Z', now)).toBe('in the future');
    // Clock skew between the admin and the browser.
    expect(timeAgo(new Date(now.getTime() + 30_000).toISOString(), now)).toBe('just now');
    expect(timeAgo('garbage', now)).toBe('unknown');
    expect(lastSeen(null, now)).toBe('never seen');
    expect(lastSeen('2026-01-01T23:55:00Z', now)).toBe('seen 5 min ago');
  });
  it('formats rates, ratios and times', () => {
    expect(formatRate(4 / 60)).toBe('0.07');
    expect(formatPercent(0.025)).toBe('2.5 %');
    expect(formatTime('garbage')).toBe('garbage');
    expect(formatTime('2026-01-01T00:00:00Z')).toMatch(/2026|26/);
  });
});

describe('policy rules editor', () => {
  it('parses an array of rules and says what is wrong otherwise', () => {
    expect(parseRules(formatRules(STARTER_RULES))).toEqual({ rules: STARTER_RULES });
    expect(parseRules('{"id": 1}')).toEqual({ error: expect.stringContaining('must be a JSON array') as unknown });
    expect(parseRules('[{')).toEqual({ error: expect.stringContaining('not valid JSON') as unknown });
  });
});

describe('connector command', () => {
  it('pipes the token on stdin from the builtin echo, never in an argument, quoted for the shell', () => {
    expect(connectorCommand('https://admin.example:8080', 'rst_abc-_9')).toBe(
      "echo 'rst_abc-_9' | sudo rustronaut connector --admin https://admin.example:8080 --token-file /dev/stdin",
    );
    expect(connectorCommand('http://[::1]:8080', "ab'c")).toBe(
      "echo 'ab'\\''c' | sudo rustronaut connector --admin 'http://[::1]:8080' --token-file /dev/stdin",
    );
    expect(connectorCommand("http://x/$(id)'", 't')).toBe(
      "echo 't' | sudo rustronaut connector --admin 'http://x/$(id)'\\''' --token-file /dev/stdin",
    );
  });
  it('gives gateways and tunnel hubs their token on stdin too; a hub runs as root', () => {
    expect(agentCommand('gateway', 'https://admin.example', 'rgw_x')).toBe(
      "echo 'rgw_x' | rustronaut gateway --admin https://admin.example --enrol-token-file /dev/stdin",
    );
    expect(agentCommand('hub', 'https://admin.example', 'rgw_y')).toBe(
      "echo 'rgw_y' | sudo rustronaut tunnel --admin https://admin.example --enrol-token-file /dev/stdin",
    );
  });
  it('explains why a site is offline', () => {
    for (const reason of ['not_enrolled', 'connector_not_seen', 'no_handshake', 'handshake_stale']) {
      expect(offlineReasonText(reason)).not.toBe(reason);
    }
    expect(offlineReasonText(null)).toContain('not been seen');
    expect(offlineReasonText('something_new')).toBe('something_new');
  });
});

describe('single sign-on on the login page', () => {
  const ORG = '01a22269-b9e7-7000-9f6e-c0e1c864b9b9';
  const OTHER = '01a22269-bb18-7000-93bb-e56e4c610006';
  it("takes the intent's organisation first, then ?org=, then the one last opened; only ids", () => {
    expect(signInOrg(`v1.${ORG}.c2VhbGVk`, OTHER, OTHER)).toBe(ORG);
    expect(signInOrg('', ORG, OTHER)).toBe(ORG);
    expect(signInOrg('', null, OTHER)).toBe(OTHER);
    expect(signInOrg('', null, null)).toBeUndefined();
    for (const garbage of ['v1.not-an-id.x', 'v1..x', `v2.${ORG}`, '../../etc', `${ORG}&x=1`]) {
      expect(signInOrg(garbage, garbage, garbage)).toBeUndefined();
    }
  });
  it('carries the intent to the start URL, escaped', () => {
    expect(ssoStartHref('/api/v1/auth/sso/p/start', '')).toBe('/api/v1/auth/sso/p/start');
    expect(ssoStartHref('/api/v1/auth/sso/p/start', 'v1.a.b&c=d')).toBe(
      '/api/v1/auth/sso/p/start?intent=v1.a.b%26c%3Dd',
    );
  });
  it('reads a role mapping a line at a time and names the first bad line', () => {
    expect(parseRoleMapping('ops = operator\n\n  admins=admin  \n')).toEqual({
      mapping: { ops: 'operator', admins: 'admin' },
    });
    expect(parseRoleMapping('a=b=viewer')).toEqual({ mapping: { 'a=b': 'viewer' } });
    expect(parseRoleMapping('')).toEqual({ mapping: {} });
    for (const [text, line] of [
      ['ops', 1],
      ['ops = operator\n= admin', 2],
      ['ops =', 1],
    ] as const) {
      expect(parseRoleMapping(text)).toEqual({ error: expect.stringContaining(`line ${String(line)}:`) });
    }
  });
  it('splits lists on commas and spaces', () => {
    expect(listOf(' viewer, operator  admin,,')).toEqual(['viewer', 'operator', 'admin']);
    expect(listOf('')).toEqual([]);
  });
});
