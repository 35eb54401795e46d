import { DateTime } from 'luxon';

/**
 * A queue's business hours and on-call rota (docs/routing.md, "Business hours"), and the pure
 * rules over them: open or not at an instant, when it opens next, who is on call. Everything is
 * wall-clock time in the queue's own IANA time zone, read through luxon, so a daylight-saving
 * change moves the instants and never the opening times people wrote down.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** What a request outside hours gets: `closed` (nothing rung) or the on-call expert paged. */
export const OUTSIDE_HOURS = ['closed', 'on_call'] as const;
export type OutsideHours = (typeof OUTSIDE_HOURS)[number];

export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** Open from `startMinute` (minutes after local midnight) up to, not including, `endMinute` (≤ 1440). */
export interface DayRange {
  startMinute: number;
  endMinute: number;
}

/**
 * One expert on call each week from `fromMinute` to `toMinute`, in minutes after Monday 00:00
 * local time; `toMinute` ≤ `fromMinute` wraps over Sunday night into the next week, and a shift
 * from a minute back to the same minute a week later (`mon 00:00` to `sun 24:00`) is the whole week.
 */
export interface RotaShift {
  expertId: string;
  fromMinute: number;
  toMinute: number;
}

/** One expert on call from `from` to `to` (local date-times `YYYY-MM-DDTHH:mm`), beating the rota. */
export interface OnCallOverride {
  expertId: string;
  from: string;
  to: string;
}

export interface OpeningHours {
  /** IANA zone the times below are in. */
  timeZone: string;
  /** Each day's opening ranges, sorted, not overlapping; a day with none is closed. */
  weekly: Record<Weekday, DayRange[]>;
  /** Local dates (`YYYY-MM-DD`) closed all day. */
  holidays: string[];
  outsideHours: OutsideHours;
  onCall: { rota: RotaShift[]; overrides: OnCallOverride[] };
}

/** Anything with a queue's hours: none (undefined or null) means always open. */
export interface HasHours {
  openingHours?: OpeningHours | null;
}

/** Days looked ahead for the next opening: a year of holidays and then some. */
const LOOKAHEAD_DAYS = 400;

function localAt(hours: OpeningHours, instantMs: number): DateTime {
  return DateTime.fromMillis(instantMs, { zone: hours.timeZone });
}

function weekdayOf(local: DateTime): Weekday {
  return WEEKDAYS[local.weekday - 1];
}

/** Whether the queue takes requests as usual at this instant. */
export function isOpen(queue: HasHours, instantMs: number): boolean {
  const hours = queue.openingHours;
  if (!hours) return true;
  const local = localAt(hours, instantMs);
  if (hours.holidays.includes(local.toISODate()!)) return false;
  const minute = local.hour * 60 + local.minute;
  return hours.weekly[weekdayOf(local)].some(
    (range) => minute >= range.startMinute && minute < range.endMinute,
  );
}

/**
 * The first instant at or after `instantMs` at which the queue is open, as ISO 8601 with the
 * queue's offset (`2026-12-08T08:00:00.000+01:00`): `instantMs` itself when open now. Holidays and
 * closed days are skipped; an opening time a spring-forward skips opens at the first minute that
 * exists after it. null when nothing opens within the next 400 days (holidays all the way).
 */
export function nextOpening(queue: HasHours, instantMs: number): string | null {
  const hours = queue.openingHours;
  if (isOpen(queue, instantMs)) return isoIn(hours?.timeZone ?? 'UTC', instantMs);
  if (!hours) return null;
  const today = localAt(hours, instantMs).startOf('day');
  for (let days = 0; days <= LOOKAHEAD_DAYS; days++) {
    const day = today.plus({ days });
    if (hours.holidays.includes(day.toISODate()!)) continue;
    for (const range of hours.weekly[weekdayOf(day)]) {
      const opens = DateTime.fromObject(
        {
          year: day.year,
          month: day.month,
          day: day.day,
          hour: Math.floor(range.startMinute / 60),
          minute: range.startMinute % 60,
        },
        { zone: hours.timeZone },
      ).toMillis();
      if (opens > instantMs && isOpen(queue, opens)) return isoIn(hours.timeZone, opens);
    }
  }
  return null;
}

/**
 * Who is on call at this instant: an override covering it (the first in the file's order), else
 * the rota's shift covering that minute of the local week; undefined when nobody is.
 */
export function onCallExpert(queue: HasHours, instantMs: number): string | undefined {
  const hours = queue.openingHours;
  if (!hours) return undefined;
  const override = hours.onCall.overrides.find((o) => {
    const [from, to] = overrideSpan(hours.timeZone, o);
    return from <= instantMs && instantMs < to;
  });
  if (override) return override.expertId;
  const local = localAt(hours, instantMs);
  const minute = (local.weekday - 1) * MINUTES_PER_DAY + local.hour * 60 + local.minute;
  return hours.onCall.rota.find((shift) => shiftCovers(shift, minute))?.expertId;
}

/**
 * Each override's instants, parsed once per time zone: routing asks who is on call on every
 * tick, and a directory reload makes new override objects.
 */
const spans = new WeakMap<OnCallOverride, { timeZone: string; span: [number, number] }>();

/** The instants an override runs over, [from, to). */
export function overrideSpan(timeZone: string, override: OnCallOverride): [number, number] {
  const known = spans.get(override);
  if (known?.timeZone === timeZone) return known.span;
  const span: [number, number] = [
    DateTime.fromISO(override.from, { zone: timeZone }).toMillis(),
    DateTime.fromISO(override.to, { zone: timeZone }).toMillis(),
  ];
  spans.set(override, { timeZone, span });
  return span;
}

/** How many minutes a shift lasts (1 to a whole week). */
export function shiftLength(shift: Pick<RotaShift, 'fromMinute' | 'toMinute'>): number {
  const length = (shift.toMinute - shift.fromMinute + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  return length === 0 ? MINUTES_PER_WEEK : length;
}

function shiftCovers(shift: RotaShift, weekMinute: number): boolean {
  return (weekMinute - shift.fromMinute + MINUTES_PER_WEEK) % MINUTES_PER_WEEK < shiftLength(shift);
}

/** Whether two weekly shifts share a minute (each may wrap over Sunday night). */
export function shiftsOverlap(a: RotaShift, b: RotaShift): boolean {
  const aToB = (b.fromMinute - a.fromMinute + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  const bToA = (a.fromMinute - b.fromMinute + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  return aToB < shiftLength(a) || bToA < shiftLength(b);
}

function isoIn(timeZone: string, instantMs: number): string {
  return DateTime.fromMillis(instantMs, { zone: timeZone }).toISO()!;
}

/** What a new request to the queue gets at this instant (docs/routing.md, "Business hours"). */
export type HoursAnswer =
  | { kind: 'open' }
  | { kind: 'on_call'; expertId: string }
  | { kind: 'closed'; nextOpensAt: string | null };

/**
 * Open: queued as always. Outside hours: `on_call` queues offer it to whoever is on call now;
 * `closed` queues, and `on_call` ones with nobody on call, close it with the next opening.
 */
export function hoursAnswer(queue: HasHours, instantMs: number): HoursAnswer {
  if (isOpen(queue, instantMs)) return { kind: 'open' };
  if (queue.openingHours?.outsideHours === 'on_call') {
    const expertId = onCallExpert(queue, instantMs);
    if (expertId !== undefined) return { kind: 'on_call', expertId };
  }
  return { kind: 'closed', nextOpensAt: nextOpening(queue, instantMs) };
}
