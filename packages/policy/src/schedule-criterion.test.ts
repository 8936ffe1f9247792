import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import type { Schedule } from './types.js';

/** Whether a request at `iso` (UTC) passes a policy that allows only inside `schedule`. */
function inside(schedule: Schedule, iso: string): boolean {
  const policy = compilePolicy({ rules: [{ id: 's', effect: 'allow', when: { schedule } }] });
  const user = { id: 'u', email: 'u@example.com', roles: [] };
  const ctx = { user, sourceIp: '127.0.0.1', method: 'GET', path: '/', time: new Date(iso) };
  const decision = policy.evaluate(ctx);
  // explain reads the clock on its own path; it must agree.
  expect(policy.explain(ctx).decision).toEqual(decision);
  return decision.allowed;
}

const officeHours: Schedule = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  from: '09:00',
  to: '17:00',
  timeZone: 'Europe/Berlin',
};
const fridayNight: Schedule = { days: ['fri'], from: '22:00', to: '02:00', timeZone: 'UTC' };
const sunday: Schedule = { days: ['sun'], from: '00:00', to: '24:00', timeZone: 'UTC' };
const berlin = (days: Schedule['days'], from: string, to: string): Schedule => ({
  days,
  from,
  to,
  timeZone: 'Europe/Berlin',
});

describe('schedule', () => {
  it.each<[string, Schedule, string, boolean]>([
    // 2024-05-15 is a Wednesday; Berlin is on CEST (UTC+2).
    ['office hours: start is inclusive', officeHours, '2024-05-15T07:00:00Z', true],
    ['office hours: a minute before', officeHours, '2024-05-15T06:59:59Z', false],
    ['office hours: last minute', officeHours, '2024-05-15T14:59:59Z', true],
    ['office hours: end is exclusive', officeHours, '2024-05-15T15:00:00Z', false],
    ['office hours: Saturday', officeHours, '2024-05-18T10:00:00Z', false],
    [
      'office hours: Monday morning in Berlin is Sunday in UTC',
      { ...officeHours, from: '00:00', to: '01:00' },
      '2024-05-12T22:30:00Z',
      true,
    ],
    // A window across midnight belongs to the day it starts on (2024-05-17 is a Friday).
    ['across midnight: Friday evening', fridayNight, '2024-05-17T23:00:00Z', true],
    ['across midnight: Saturday after midnight', fridayNight, '2024-05-18T01:59:00Z', true],
    ['across midnight: Saturday at the end', fridayNight, '2024-05-18T02:00:00Z', false],
    ['across midnight: Friday before the start', fridayNight, '2024-05-17T21:59:00Z', false],
    ['across midnight: Friday after midnight (Thursday window)', fridayNight, '2024-05-17T01:00:00Z', false],
    ['across midnight: Saturday evening', fridayNight, '2024-05-18T23:00:00Z', false],
    ['whole day: last minute', sunday, '2024-05-19T23:59:59Z', true],
    ['whole day: first minute', sunday, '2024-05-19T00:00:00Z', true],
    ['whole day: next day', sunday, '2024-05-20T00:00:00Z', false],
    // Berlin springs forward on Sunday 2024-03-31: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    ['spring forward: the skipped hour never comes', berlin(['sun'], '02:00', '03:00'), '2024-03-31T00:59:59Z', false],
    ['spring forward: right after the jump', berlin(['sun'], '02:00', '03:00'), '2024-03-31T01:00:00Z', false],
    ['spring forward: before the jump, CET', berlin(['sun'], '01:00', '04:00'), '2024-03-31T00:30:00Z', true],
    ['spring forward: after the jump, CEST', berlin(['sun'], '01:00', '04:00'), '2024-03-31T01:30:00Z', true],
    ['spring forward: 04:00 CEST is 02:00 UTC', berlin(['sun'], '01:00', '04:00'), '2024-03-31T02:00:00Z', false],
    [
      'spring forward: 09:30 the day before is 08:30 UTC',
      berlin(['sat', 'sun'], '09:00', '10:00'),
      '2024-03-30T08:30:00Z',
      true,
    ],
    [
      'spring forward: 08:30 UTC is 10:30 on the day',
      berlin(['sat', 'sun'], '09:00', '10:00'),
      '2024-03-31T08:30:00Z',
      false,
    ],
    [
      'spring forward: 07:30 UTC is 09:30 on the day',
      berlin(['sat', 'sun'], '09:00', '10:00'),
      '2024-03-31T07:30:00Z',
      true,
    ],
    // Berlin falls back on Sunday 2024-10-27: 03:00 CEST becomes 02:00 CET at 01:00 UTC, so 02:xx happens twice.
    ['fall back: first 02:30 (CEST)', berlin(['sun'], '02:00', '03:00'), '2024-10-27T00:30:00Z', true],
    ['fall back: second 02:30 (CET)', berlin(['sun'], '02:00', '03:00'), '2024-10-27T01:30:00Z', true],
    ['fall back: 03:00 CET', berlin(['sun'], '02:00', '03:00'), '2024-10-27T02:00:00Z', false],
    ['fall back: 01:59 CEST', berlin(['sun'], '02:00', '03:00'), '2024-10-26T23:59:00Z', false],
    // A window across midnight on a DST night: Saturday 22:00 to Sunday 04:00 local.
    ['fall back night: Sunday 03:30 CET', berlin(['sat'], '22:00', '04:00'), '2024-10-27T02:30:00Z', true],
    ['fall back night: Sunday 04:00 CET', berlin(['sat'], '22:00', '04:00'), '2024-10-27T03:00:00Z', false],
    // Zones with half-hour offsets and a southern-hemisphere DST.
    ['Asia/Kolkata (UTC+5:30): 09:00', { ...officeHours, timeZone: 'Asia/Kolkata' }, '2024-05-15T03:30:00Z', true],
    ['Asia/Kolkata (UTC+5:30): 08:59', { ...officeHours, timeZone: 'Asia/Kolkata' }, '2024-05-15T03:29:00Z', false],
    [
      'Australia/Sydney in January (UTC+11)',
      { ...officeHours, timeZone: 'Australia/Sydney' },
      '2024-01-15T22:00:00Z',
      true,
    ],
    [
      'Australia/Sydney in July (UTC+10)',
      { ...officeHours, timeZone: 'Australia/Sydney' },
      '2024-07-15T22:00:00Z',
      false,
    ],
    ['time zone names ignore case', { ...officeHours, timeZone: 'europe/berlin' }, '2024-05-15T07:00:00Z', true],
  ])('%s', (_name, schedule, iso, expected) => {
    expect(inside(schedule, iso)).toBe(expected);
  });

  it('follows the clock from request to request (one cached reading per minute)', () => {
    const policy = compilePolicy({ rules: [{ id: 's', effect: 'allow', when: { schedule: officeHours } }] });
    const user = { id: 'u', email: 'u@example.com', roles: [] };
    const at = (iso: string) =>
      policy.evaluate({ user, sourceIp: '127.0.0.1', method: 'GET', path: '/', time: new Date(iso) }).allowed;
    expect([
      at('2024-05-15T06:59:00Z'),
      at('2024-05-15T06:59:30Z'),
      at('2024-05-15T07:00:00Z'),
      at('2024-05-15T07:00:59Z'),
      at('2024-05-18T07:00:30Z'),
      at('2024-05-15T07:00:30Z'),
    ]).toEqual([false, false, true, true, false, true]);
  });
});
