// The reporter on its own, with the admin's side played by a function (the real control channel and audit log are
// in tests/e2e/identity-access.test.ts and gateway.managed-access.test.ts).
import type { AccessEvent } from '@rustronaut/contracts';
import { createLogger } from '@rustronaut/observability';
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { AccessReport } from '../proxy/http-proxy.js';
import { createAccessReporter } from './access-reporter.js';

const ROUTE = randomUUID();
const report = (overrides: Partial<AccessReport> = {}): AccessReport => ({
  verdict: { allowed: true, reason: 'allowed_by_rule', ruleId: 'r1', userId: undefined, authMethod: 'session' },
  route: ROUTE,
  client: '192.0.2.1',
  method: 'GET',
  host: 'app.test',
  path: '/',
  status: 200,
  ...overrides,
});
const logger = createLogger({ level: 'silent', format: 'json' });

describe('the access reporter', () => {
  it('counts repeats of a decision on one event, and keeps different ones apart, in order', async () => {
    const sent: AccessEvent[][] = [];
    const reporter = createAccessReporter({ send: (b) => Promise.resolve(void sent.push([...b])), logger });
    for (let i = 0; i < 1000; i++) reporter.report(report());
    reporter.report(report({ path: '/other' }));
    reporter.report(report({ verdict: { ...report().verdict, allowed: false, reason: 'no_matching_allow' } }));
    reporter.report(report());
    await reporter.close();
    const events = sent.flat();
    expect(events.map((e) => [e.path, e.allowed, e.count])).toEqual([
      ['/', true, 1001],
      ['/other', true, 1],
      ['/', false, 1],
    ]);
    expect(Date.parse(events[0]?.lastAt ?? '')).toBeGreaterThanOrEqual(Date.parse(events[0]?.at ?? ''));
    expect(events[1]?.lastAt).toBeUndefined();
  });

  it('never changes a batch in flight: repeats during a send start a new event', async () => {
    let release = () => {};
    const sent: AccessEvent[][] = [];
    const reporter = createAccessReporter({
      send: (batch) => {
        sent.push(batch.map((e) => ({ ...e })));
        return sent.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
      logger,
    });
    reporter.report(report());
    const first = reporter.flush();
    reporter.report(report());
    reporter.report(report());
    release();
    await first;
    await reporter.close();
    expect(sent.map((b) => b.map((e) => e.count))).toEqual([[1], [2]]);
  });

  it('keeps a failed batch for the next try, and drops the oldest beyond the bound, counting their decisions', async () => {
    let fail = true;
    const sent: AccessEvent[][] = [];
    const dropped: number[] = [];
    const reporter = createAccessReporter({
      send: (b) => (fail ? Promise.reject(new Error('admin away')) : Promise.resolve(void sent.push([...b]))),
      logger,
      maxQueued: 2,
      onDropped: (n) => dropped.push(n),
    });
    reporter.report(report({ path: '/a' }));
    reporter.report(report({ path: '/a' }));
    await reporter.flush();
    reporter.report(report({ path: '/b' }));
    reporter.report(report({ path: '/c' }));
    expect(dropped).toEqual([2]);
    fail = false;
    await reporter.close();
    expect(sent.flat().map((e) => e.path)).toEqual(['/b', '/c']);
  });
});

describe('the reporter timing', () => {
  it('sends the first decision after a quiet spell at once, then at most one batch per interval', async () => {
    vi.useFakeTimers();
    try {
      let sent = 0;
      const reporter = createAccessReporter({
        send: () => Promise.resolve(void sent++),
        logger,
        intervalMs: 1000,
        quietDelayMs: 100,
      });
      reporter.report(report({ path: '/1' }));
      await vi.advanceTimersByTimeAsync(100);
      expect(sent).toBe(1);
      reporter.report(report({ path: '/2' }));
      reporter.report(report({ path: '/3' }));
      await vi.advanceTimersByTimeAsync(800);
      // Within the interval of the first batch: still gathering.
      expect(sent).toBe(1);
      await vi.advanceTimersByTimeAsync(200);
      expect(sent).toBe(2);
      // Decisions arriving while a batch is in flight wait for the next turn, not for the batch to end.
      let release = () => {};
      let inFlight = 0;
      const slow = createAccessReporter({
        send: () => {
          inFlight++;
          return new Promise<void>((resolve) => (release = resolve));
        },
        logger,
        intervalMs: 1000,
        quietDelayMs: 100,
      });
      slow.report(report({ path: '/a' }));
      await vi.advanceTimersByTimeAsync(100);
      slow.report(report({ path: '/b' }));
      release();
      await vi.advanceTimersByTimeAsync(500);
      expect(inFlight).toBe(1);
      await vi.advanceTimersByTimeAsync(500);
      expect(inFlight).toBe(2);
      release();
      await reporter.close();
      expect(sent).toBe(2);
      await slow.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
