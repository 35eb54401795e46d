import { DateTime, IANAZone } from 'luxon';
import { isObject, unknownKeys, type Report } from './directory-file.js';
import {
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  OUTSIDE_HOURS,
  overrideSpan,
  shiftsOverlap,
  WEEKDAYS,
  type DayRange,
  type OnCallOverride,
  type OpeningHours,
  type OutsideHours,
  type RotaShift,
  type Weekday,
} from './opening-hours.js';
import type { Person } from './person.js';

/** The directory file's queue fields about hours (docs/routing.md, "Business hours"). */
export const HOURS_KEYS = ['timeZone', 'hours', 'holidays', 'outsideHours', 'onCall'] as const;

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const ON_CALL_KEYS = new Set(['rota', 'overrides']);
const SHIFT_KEYS = new Set(['expertId', 'from', 'to']);

/** "08:00" (or "24:00" where an end is allowed) → minutes after midnight; undefined when not. */
function minuteOf(time: unknown, endAllowed: boolean): number | undefined {
  if (typeof time !== 'string') return undefined;
  if (endAllowed && time === '24:00') return MINUTES_PER_DAY;
  if (!TIME.test(time)) return undefined;
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

function parseDay(report: Report, where: string, day: string, raw: unknown): DayRange[] {
  const at = `${where} hours.${day}`;
  if (!Array.isArray(raw)) {
    report(at, 'must be an array of ["HH:MM", "HH:MM"] ranges');
    return [];
  }
  const ranges: DayRange[] = [];
  for (const [i, pair] of raw.entries()) {
    const start = Array.isArray(pair) && pair.length === 2 ? minuteOf(pair[0], false) : undefined;
    const end = Array.isArray(pair) && pair.length === 2 ? minuteOf(pair[1], true) : undefined;
    if (start === undefined || end === undefined) {
      report(`${at}[${i}]`, `${JSON.stringify(pair)} is not ["HH:MM", "HH:MM"] (00:00 to 24:00)`);
    } else if (end <= start) {
      report(
        `${at}[${i}]`,
        `${JSON.stringify(pair)} ends before it starts; split a night at 24:00`,
      );
    } else {
      ranges.push({ startMinute: start, endMinute: end });
    }
  }
  ranges.sort((a, b) => a.startMinute - b.startMinute);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].startMinute < ranges[i - 1].endMinute)
      report(at, 'has ranges that overlap; give each time of the day once');
  }
  return ranges;
}

function parseWeekly(report: Report, where: string, raw: unknown): Record<Weekday, DayRange[]> {
  const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, []])) as unknown as Record<
    Weekday,
    DayRange[]
  >;
  if (!isObject(raw)) {
    report(where, '"hours" must be an object of days ("mon" to "sun") to ranges');
    return weekly;
  }
  for (const [day, ranges] of Object.entries(raw)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      report(where, `"hours" has "${day}"; use days of ${WEEKDAYS.join(', ')}`);
      continue;
    }
    weekly[day as Weekday] = parseDay(report, where, day, ranges);
  }
  if (WEEKDAYS.every((day) => weekly[day].length === 0))
    report(where, '"hours" never opens; give at least one range, or leave "hours" out');
  return weekly;
}

function parseHolidays(report: Report, where: string, raw: unknown): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    report(where, '"holidays" must be an array of dates ("YYYY-MM-DD")');
    return [];
  }
  return raw.filter((date) => {
    const valid =
      typeof date === 'string' && DATE.test(date) && DateTime.fromISO(date).isValid === true;
    if (!valid) report(where, `"holidays" has ${JSON.stringify(date)}, not a date "YYYY-MM-DD"`);
    return valid;
  }) as string[];
}

/** "mon 17:00" → minutes after Monday 00:00; "sun 24:00" is the end of the week. */
function weekMinuteOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const [day, time, ...rest] = value.split(' ');
  const index = (WEEKDAYS as readonly string[]).indexOf(day);
  const minute = minuteOf(time, true);
  if (rest.length > 0 || index < 0 || minute === undefined) return undefined;
  return index * MINUTES_PER_DAY + minute;
}

function expertNamed(
  report: Report,
  where: string,
  raw: Record<string, unknown>,
  experts: ReadonlyMap<string, Person>,
): string | undefined {
  if (typeof raw.expertId !== 'string' || !experts.has(raw.expertId)) {
    report(where, `"expertId" ${JSON.stringify(raw.expertId)} is not an expert in "people"`);
    return undefined;
  }
  return raw.expertId;
}

function entries(report: Report, where: string, raw: unknown, name: string): unknown[] {
  if (raw === undefined) return [];
  if (Array.isArray(raw)) return raw;
  report(where, `"onCall.${name}" must be an array`);
  return [];
}

function parseRota(
  report: Report,
  where: string,
  raw: unknown,
  experts: ReadonlyMap<string, Person>,
): RotaShift[] {
  const shifts: RotaShift[] = [];
  /** Each kept shift's index in the file, to name it. */
  const positions: number[] = [];
  for (const [i, entry] of entries(report, where, raw, 'rota').entries()) {
    const at = `${where} onCall.rota[${i}]`;
    if (!isObject(entry)) {
      report(at, 'must be an object { "expertId", "from": "mon 17:00", "to": "tue 08:00" }');
      continue;
    }
    unknownKeys(report, at, entry, SHIFT_KEYS);
    const expertId = expertNamed(report, at, entry, experts);
    const fromMinute = weekMinuteOf(entry.from);
    const toMinute = weekMinuteOf(entry.to);
    for (const [field, minute] of [
      ['from', fromMinute],
      ['to', toMinute],
    ] as const) {
      if (minute === undefined)
        report(
          at,
          `"${field}" ${JSON.stringify(entry[field])} is not a week time like "mon 17:00"`,
        );
    }
    if (fromMinute !== undefined && fromMinute === toMinute && entry.from === entry.to)
      report(at, '"from" and "to" are the same time; a whole week is "mon 00:00" to "sun 24:00"');
    else if (expertId !== undefined && fromMinute !== undefined && toMinute !== undefined) {
      shifts.push({ expertId, fromMinute: fromMinute % MINUTES_PER_WEEK, toMinute });
      positions.push(i);
    }
  }
  for (let i = 0; i < shifts.length; i++) {
    for (let j = i + 1; j < shifts.length; j++) {
      if (shiftsOverlap(shifts[i], shifts[j]))
        report(
          `${where} onCall.rota[${positions[j]}]`,
          `overlaps a shift before it (${shifts[i].expertId})`,
        );
    }
  }
  return shifts;
}

function parseOverrides(
  report: Report,
  where: string,
  raw: unknown,
  experts: ReadonlyMap<string, Person>,
  timeZone: string,
): OnCallOverride[] {
  const overrides: OnCallOverride[] = [];
  const positions: number[] = [];
  for (const [i, entry] of entries(report, where, raw, 'overrides').entries()) {
    const at = `${where} onCall.overrides[${i}]`;
    if (!isObject(entry)) {
      report(at, 'must be an object { "expertId", "from", "to" } (local "YYYY-MM-DDTHH:MM")');
      continue;
    }
    unknownKeys(report, at, entry, SHIFT_KEYS);
    const expertId = expertNamed(report, at, entry, experts);
    const local = (field: 'from' | 'to') => {
      const value = entry[field];
      const valid =
        typeof value === 'string' &&
        LOCAL_DATE_TIME.test(value) &&
        DateTime.fromISO(value, { zone: 'UTC' }).isValid;
      if (!valid)
        report(at, `"${field}" ${JSON.stringify(value)} is not a local time "YYYY-MM-DDTHH:MM"`);
      return valid ? (value as string) : undefined;
    };
    const from = local('from');
    const to = local('to');
    if (from === undefined || to === undefined || expertId === undefined) continue;
    const override = { expertId, from, to };
    const [start, end] = overrideSpan(timeZone, override);
    if (end <= start) report(at, '"to" is not after "from"');
    else {
      overrides.push(override);
      positions.push(i);
    }
  }
  for (let i = 0; i < overrides.length; i++) {
    for (let j = i + 1; j < overrides.length; j++) {
      const [a0, a1] = overrideSpan(timeZone, overrides[i]);
      const [b0, b1] = overrideSpan(timeZone, overrides[j]);
      if (a0 < b1 && b0 < a1)
        report(
          `${where} onCall.overrides[${j}]`,
          `overlaps an override before it (${overrides[i].expertId})`,
        );
    }
  }
  return overrides;
}

/**
 * A queue's hours from its directory entry, or null when it gives none (always open, as before).
 * Every mistake is reported, one line each, through `report`.
 */
export function parseOpeningHours(
  report: Report,
  where: string,
  raw: Record<string, unknown>,
  experts: ReadonlyMap<string, Person>,
): OpeningHours | null {
  const given = HOURS_KEYS.filter((key) => raw[key] !== undefined);
  if (given.length === 0) return null;
  if (raw.hours === undefined) {
    report(
      where,
      `${given.map((k) => `"${k}"`).join(', ')} need "hours" (without them the queue is always open)`,
    );
    return null;
  }
  let timeZone = 'UTC';
  if (raw.timeZone !== undefined) {
    if (typeof raw.timeZone === 'string' && IANAZone.isValidZone(raw.timeZone)) {
      timeZone = raw.timeZone;
    } else {
      report(
        where,
        `"timeZone" ${JSON.stringify(raw.timeZone)} is not an IANA time zone (like "Europe/Berlin")`,
      );
    }
  }
  const weekly = parseWeekly(report, where, raw.hours);
  const holidays = parseHolidays(report, where, raw.holidays);
  const outsideHours = (raw.outsideHours ?? 'closed') as OutsideHours;
  if (!OUTSIDE_HOURS.includes(outsideHours))
    report(
      where,
      `"outsideHours" is ${JSON.stringify(raw.outsideHours)}; use one of ${OUTSIDE_HOURS.join(', ')}`,
    );
  const onCall = { rota: [] as RotaShift[], overrides: [] as OnCallOverride[] };
  if (raw.onCall !== undefined && !isObject(raw.onCall)) {
    report(where, '"onCall" must be an object { "rota": [...], "overrides": [...] }');
  } else if (isObject(raw.onCall)) {
    unknownKeys(report, `${where} onCall`, raw.onCall, ON_CALL_KEYS);
    onCall.rota = parseRota(report, where, raw.onCall.rota, experts);
    onCall.overrides = parseOverrides(report, where, raw.onCall.overrides, experts, timeZone);
  }
  const named = (list: unknown) => (Array.isArray(list) ? list.length : 0);
  const nobodyNamed =
    raw.onCall === undefined ||
    (isObject(raw.onCall) && named(raw.onCall.rota) + named(raw.onCall.overrides) === 0);
  if (outsideHours === 'on_call' && nobodyNamed)
    report(where, '"outsideHours" is "on_call" but "onCall" names nobody; give a rota');
  if (outsideHours !== 'on_call' && raw.onCall !== undefined)
    report(where, '"onCall" is never used: "outsideHours" is not "on_call"');
  return { timeZone, weekly, holidays, outsideHours, onCall };
}
