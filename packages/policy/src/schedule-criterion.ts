import { checkList, checkObject, fail } from './check.js';
import type { CriterionMatcher } from './criterion.js';
import { shown } from './format.js';
import type { PreparedRequest } from './prepared-request.js';
import type { Weekday } from './types.js';

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** `Intl` short weekday names (locale `en-US`) to indexes into `WEEKDAYS`. */
const INTL_WEEKDAYS = new Map(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((name, i) => [name, i]));
const MINUTE_MS = 60_000;

/**
 * Local weekday and time of day in one time zone. Reading them costs a `formatToParts` call, which allocates,
 * so the last answer is kept per UTC minute: requests in the same minute reuse it, and schedules have minute
 * resolution. Zone offsets change on whole minutes in every zone in use today.
 */
interface Clock {
  readonly formatter: Intl.DateTimeFormat;
  minute: number;
  day: number;
  minuteOfDay: number;
}

/**
 * One clock per time zone, shared by every compiled policy: a formatter costs tens of microseconds to create
 * and holds no policy state. At most one entry per name a policy used (a few hundred zones exist).
 */
const clocks = new Map<string, Clock>();

function clockFor(timeZone: string, field: string): Clock {
  const known = clocks.get(timeZone);
  if (known !== undefined) return known;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      // h23: midnight is "00", where some ICU versions print "24" with hour12: false.
      hourCycle: 'h23',
    });
  } catch {
    fail(field, `${shown(timeZone)} is not a known IANA time zone`);
  }
  const canonical = formatter.resolvedOptions().timeZone;
  const clock = clocks.get(canonical) ?? { formatter, minute: NaN, day: 0, minuteOfDay: 0 };
  clocks.set(canonical, clock);
  clocks.set(timeZone, clock);
  return clock;
}

/** Brings `clock` to the local time of `timeMs`. */
function readClock(clock: Clock, timeMs: number): void {
  const minute = Math.floor(timeMs / MINUTE_MS);
  if (minute === clock.minute) return;
  let day = 0;
  let hour = 0;
  let minuteOfHour = 0;
  for (const part of clock.formatter.formatToParts(timeMs)) {
    if (part.type === 'weekday') day = INTL_WEEKDAYS.get(part.value) ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minuteOfHour = Number(part.value);
  }
  clock.day = day;
  clock.minuteOfDay = hour * 60 + minuteOfHour;
  clock.minute = minute;
}

/** `HH:MM` as minutes since midnight; `24:00` only where `allowEnd`. */
function parseTime(value: unknown, field: string, allowEnd: boolean): number {
  const text = typeof value === 'string' ? value : '';
  const match = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(text);
  if (match !== null) return Number(match[1]) * 60 + Number(match[2]);
  if (allowEnd && text === '24:00') return 24 * 60;
  fail(field, `must be a time "HH:MM" from 00:00 to ${allowEnd ? '24:00' : '23:59'}, got ${shown(value)}`);
}

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * Compiles `schedule`. `from` is inclusive, `to` exclusive; a window with `to` before `from` crosses midnight
 * and belongs to the day it starts on (`fri 22:00–02:00` takes Saturday 01:00). Local times are read in the
 * time zone, so daylight saving moves the window with the wall clock: on a spring-forward day a window inside
 * the skipped hour never matches, and on a fall-back day the repeated hour matches twice.
 */
export function compileSchedule(value: unknown, field: string): CriterionMatcher {
  const schedule = checkObject(value, field, ['days', 'from', 'to', 'timeZone']);
  const days = new Uint8Array(7);
  const dayNames = checkList(schedule.days, `${field}.days`).map((day, i) => {
    const index = WEEKDAYS.indexOf(day as Weekday);
    if (index < 0) fail(`${field}.days[${String(i)}]`, `must be one of ${WEEKDAYS.join(', ')}, got ${shown(day)}`);
    days[index] = 1;
    return day as Weekday;
  });
  const from = parseTime(schedule.from, `${field}.from`, false);
  const to = parseTime(schedule.to, `${field}.to`, true);
  if (from === to) fail(`${field}.to`, `equals from; for a whole day write from "00:00" to "24:00"`);
  if (typeof schedule.timeZone !== 'string') {
    fail(`${field}.timeZone`, `must be an IANA time zone name, got ${shown(schedule.timeZone)}`);
  }
  const timeZone = schedule.timeZone;
  const clock = clockFor(timeZone, `${field}.timeZone`);
  const crossesMidnight = to < from;

  const matches = (req: PreparedRequest): boolean => {
    readClock(clock, req.timeMs);
    const { day, minuteOfDay } = clock;
    if (!crossesMidnight) return days[day] === 1 && minuteOfDay >= from && minuteOfDay < to;
    // After midnight, the window that is still open started the day before.
    return (days[day] === 1 && minuteOfDay >= from) || (days[(day + 6) % 7] === 1 && minuteOfDay < to);
  };
  const window = `${dayNames.join(', ')} ${hhmm(from)}–${hhmm(to)}`;
  return {
    criterion: 'schedule',
    matches,
    describe(req, matched) {
      readClock(clock, req.timeMs);
      // The zone as the policy names it: ICU's canonical name can be an older alias (Asia/Kolkata is Asia/Calcutta).
      const local = `${WEEKDAYS[clock.day] ?? ''} ${hhmm(clock.minuteOfDay)} in ${timeZone}`;
      return `${local} is ${matched ? 'inside' : 'outside'} ${window}`;
    },
  };
}
