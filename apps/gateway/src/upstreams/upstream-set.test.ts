import { once } from 'node:events';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Upstream, UpstreamSet, UpstreamSetOptions } from './types.js';
import { createUpstreamSet } from './upstream-set.js';

interface Change {
  readonly id: string;
  readonly available: boolean;
  readonly reason: string;
}

/** A set of members a, b, c (ports that nothing needs to listen on: these tests use passive health only). */
function setOf(options: Partial<UpstreamSetOptions> = {}): {
  set: UpstreamSet;
  changes: Change[];
  next: () => Promise<Change>;
} {
  const changes: Change[] = [];
  let wake: ((change: Change) => void) | undefined;
  const set = createUpstreamSet({
    name: 'app',
    members: ['a', 'b', 'c'].map((id, i) => ({ id, host: '127.0.0.1', port: 9001 + i, weight: 1 })),
    loadBalancing: 'round-robin',
    passiveHealth: { consecutiveFailures: 3, ejectMs: 30 },
    onAvailabilityChange: (member, available, reason) => {
      const change = { id: member.id, available, reason };
      changes.push(change);
      wake?.(change);
    },
    ...options,
  });
  const next = () => new Promise<Change>((resolve) => (wake = resolve));
  return { set, changes, next };
}

const member = (set: UpstreamSet, id: string): Upstream => {
  const found = set.members.find((m) => m.id === id);
  if (found === undefined) throw new Error(`no member ${id}`);
  return found;
};

const pickedIds = (set: UpstreamSet, count: number, exclude?: Upstream): Set<string | undefined> =>
  new Set(Array.from({ length: count }, () => set.pick(exclude)?.id));

const failTimes = (upstream: Upstream, count: number) => {
  for (let i = 0; i < count; i++) upstream.report(false);
};

describe('createUpstreamSet options', () => {
  const valid: UpstreamSetOptions = {
    name: 'app',
    members: [{ id: 'a', host: '127.0.0.1', port: 9001, weight: 1 }],
    loadBalancing: 'round-robin',
  };
  const withMember = (patch: Record<string, unknown>) =>
    ({ ...valid, members: [{ ...valid.members[0], ...patch }] }) as unknown as UpstreamSetOptions;

  it.each<[string, unknown, string]>([
    ['no options', undefined, 'upstream set: options must be an object'],
    ['a nameless set', { ...valid, name: '' }, 'upstream set: name must be a non-empty string, got ""'],
    [
      'no members',
      { ...valid, members: [] },
      'upstream set "app": members must be a non-empty array, got an array of 0',
    ],
    ['members that are not a list', { ...valid, members: 'a' }, 'members must be a non-empty array, got "a"'],
    ['a member that is not an object', { ...valid, members: [42] }, 'members[0] must be an object, got 42'],
    ['an empty id', withMember({ id: '' }), 'members[0].id must be a non-empty string, got ""'],
    [
      'a duplicate id',
      { ...valid, members: [valid.members[0], { ...valid.members[0], port: 9002 }] },
      'members[1].id "a" is used twice; ids must be unique',
    ],
    ['weight 0', withMember({ weight: 0 }), 'members[0].weight must be an integer from 1 to 1000, got 0'],
    ['weight 1001', withMember({ weight: 1001 }), 'members[0].weight must be an integer from 1 to 1000, got 1001'],
    [
      'a fractional weight',
      withMember({ weight: 1.5 }),
      'members[0].weight must be an integer from 1 to 1000, got 1.5',
    ],
    ['a missing weight', withMember({ weight: undefined }), 'members[0].weight must be an integer from 1 to 1000'],
    ['port 0', withMember({ port: 0 }), 'members[0].port must be an integer from 1 to 65535, got 0'],
    ['a port as text', withMember({ port: '80' }), 'members[0].port must be an integer from 1 to 65535, got "80"'],
    ['a URL as host', withMember({ host: 'http://x' }), 'members[0].host must be a host name or IP address'],
    ['a bracketed IPv6 host', withMember({ host: '[::1]' }), '(IPv6 without brackets), got "[::1]"'],
    ['tls as text', withMember({ tls: 'yes' }), 'members[0].tls must be a boolean, got "yes"'],
    [
      'an unknown strategy',
      { ...valid, loadBalancing: 'fastest' },
      'upstream set "app": loadBalancing must be "round-robin", "weighted" or "least-connections", got "fastest"',
    ],
    [
      'zero failures to eject',
      { ...valid, passiveHealth: { consecutiveFailures: 0, ejectMs: 10 } },
      'passiveHealth.consecutiveFailures must be an integer from 1',
    ],
    [
      'a negative ejection',
      { ...valid, passiveHealth: { consecutiveFailures: 1, ejectMs: -1 } },
      'passiveHealth.ejectMs must be an integer from 1 to 2147483647, got -1',
    ],
    [
      'a listener that is not a function',
      { ...valid, onAvailabilityChange: 'log' },
      'onAvailabilityChange must be a function',
    ],
  ])('rejects %s', (_, options, message) => {
    expect(() => createUpstreamSet(options as UpstreamSetOptions)).toThrow(message);
  });

  it('accepts an IPv6 address and a host name', () => {
    const set = createUpstreamSet({
      ...valid,
      members: [
        { id: 'v6', host: '::1', port: 1, weight: 1000 },
        { id: 'name', host: 'api.internal', port: 65_535, weight: 1, tls: true },
      ],
    });
    expect(set.members.map((m) => [m.id, m.available, m.active])).toEqual([
      ['v6', true, 0],
      ['name', true, 0],
    ]);
  });
});

describe('upstream set', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('picks with its strategy among the available members', () => {
    const { set } = setOf();
    expect(Array.from({ length: 6 }, () => set.pick()?.id).join('')).toBe('abcabc');
  });

  it('skips the excluded member, for a retry elsewhere', () => {
    const { set } = setOf();
    const b = member(set, 'b');
    expect(pickedIds(set, 30, b)).toEqual(new Set(['a', 'c']));
    b.report(false);
    expect(pickedIds(set, 30, b)).toEqual(new Set(['a', 'c']));
  });

  it('gives nothing when the only available member is excluded', () => {
    const { set } = setOf();
    failTimes(member(set, 'a'), 3);
    failTimes(member(set, 'b'), 3);
    expect(pickedIds(set, 5)).toEqual(new Set(['c']));
    expect(set.pick(member(set, 'c'))).toBeUndefined();
  });

  it('counts requests in flight; a release counts once however often it is called', () => {
    const { set } = setOf();
    const a = member(set, 'a');
    const first = a.acquire();
    const second = a.acquire();
    expect(a.active).toBe(2);
    first();
    first();
    expect(a.active).toBe(1);
    second();
    expect(a.active).toBe(0);
  });

  it('ejects a member after consecutive failures and takes it back after ejectMs', async () => {
    const { set, changes, next } = setOf();
    const b = member(set, 'b');
    failTimes(b, 2);
    b.report(true);
    failTimes(b, 2);
    expect(b.available).toBe(true);
    b.report(false);
    expect(changes).toEqual([{ id: 'b', available: false, reason: 'ejected after 3 consecutive failures' }]);
    expect(b.available).toBe(false);
    expect(pickedIds(set, 30)).toEqual(new Set(['a', 'c']));

    expect(await next()).toEqual({ id: 'b', available: true, reason: 'ejection ended after 30 ms' });
    expect(pickedIds(set, 30)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('ejects a returning member again on its first failure, unless a success came first', async () => {
    const { set, changes, next } = setOf();
    const a = member(set, 'a');
    failTimes(a, 3);
    await next();
    a.report(false);
    expect(changes.at(-1)).toEqual({
      id: 'a',
      available: false,
      reason: 'ejected again: its first request after the ejection failed',
    });

    await next();
    a.report(true);
    failTimes(a, 2);
    expect(a.available).toBe(true);
    a.report(false);
    expect(changes.at(-1)).toEqual({ id: 'a', available: false, reason: 'ejected after 3 consecutive failures' });
  });

  it('ignores reports about an ejected member from requests that were already in flight', async () => {
    const { set, changes, next } = setOf();
    const a = member(set, 'a');
    failTimes(a, 3);
    failTimes(a, 10);
    a.report(true);
    expect(changes).toHaveLength(1);
    expect(await next()).toMatchObject({ id: 'a', available: true });
    // Still on probation: the success that arrived while ejected did not vouch for it.
    a.report(false);
    expect(a.available).toBe(false);
  });

  it('fails closed: with every member out it picks nothing rather than an unhealthy member', () => {
    const { set } = setOf();
    for (const m of set.members) failTimes(m, 3);
    expect(set.members.map((m) => m.available)).toEqual([false, false, false]);
    expect(set.pick()).toBeUndefined();
    expect(set.pick(member(set, 'a'))).toBeUndefined();
  });

  it('never ejects without passive health settings', () => {
    const { set, changes } = setOf({ passiveHealth: undefined });
    failTimes(member(set, 'a'), 100);
    expect(changes).toEqual([]);
    expect(pickedIds(set, 30)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('stops its timers on stop(), ignores later reports, and cannot be started again', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { set, changes } = setOf();
    failTimes(member(set, 'a'), 3);
    expect(vi.getTimerCount()).toBe(1);
    set.stop();
    expect(vi.getTimerCount()).toBe(0);
    failTimes(member(set, 'b'), 3);
    expect(vi.getTimerCount()).toBe(0);
    expect(changes).toHaveLength(1);
    expect(() => set.start()).toThrow('upstream set "app" was stopped; build a new one');
  });

  it('ends a passive ejection as soon as a failing active check passes again', async () => {
    // Take a free port, then leave it closed: the member is down until the server comes back on it.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const { set, changes, next } = setOf({
      members: [{ id: 'live', host: '127.0.0.1', port, weight: 1 }],
      passiveHealth: { consecutiveFailures: 1, ejectMs: 60_000 },
      healthCheck: { type: 'tcp', path: '/', intervalMs: 20, timeoutMs: 500, unhealthyAfter: 1, healthyAfter: 1 },
    });
    const server = createServer((_req, res) => res.end('ok'));
    try {
      member(set, 'live').report(false);
      expect(set.pick()).toBeUndefined();
      set.start();
      await new Promise((r) => setTimeout(r, 100)); // a few failing checks
      server.listen(port, '127.0.0.1');
      expect(await next()).toEqual({ id: 'live', available: true, reason: 'active check passed' });
      expect(set.pick()?.id).toBe('live');
      expect(changes[0]).toMatchObject({ available: false, reason: 'ejected after 1 consecutive failures' });
    } finally {
      set.stop();
      server.close();
    }
  });
});
