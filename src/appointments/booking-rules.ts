import { DateTime, IANAZone } from 'luxon';
import { UnprocessableError } from '../common/broker-error.js';

/**
 * The rules of a booking, as pure functions of plain data (booking-rules.spec.ts): when a session
 * is, whether two overlap, and which expert of a queue takes a new one. Times are ISO-8601 UTC
 * text or epoch milliseconds; zones are IANA names, read with luxon (daylight saving included).
 */

/** How long a session may be booked for, in minutes. */
export const DURATION_MINUTES = { min: 5, max: 480, default: 30 } as const;
/** How far ahead a session may be booked (a year): further is surely a typo. */
export const MAX_DAYS_AHEAD = 366;

/** An ISO-8601 date-time that says its offset (Z or ±hh:mm): a local time alone is ambiguous. */
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A start, zone or duration that cannot be booked: 422 with the reason. */
export class BookingTimeError extends UnprocessableError {
  override name = 'BookingTimeError';
}

/** When a session is: its start and end as UTC instants (ms), and the zone it was booked in. */
export interface SessionTime {
  startsAtMs: number;
  endsAtMs: number;
  timeZone: string;
}

export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/**
 * Reads a booking's start: an ISO-8601 date-time with its offset, in an IANA zone. The offset
 * must be UTC's (Z) or the zone's own at that moment: `09:00+01:00` for Europe/Berlin in summer
 * is a local time read with the winter offset (a client that forgot the change), and would book
 * 10:00 local; it is refused, naming what was probably meant.
 */
export function sessionTimeOf(
  startsAt: string,
  timeZone: string,
  durationMinutes: number,
  nowMs: number,
): SessionTime {
  if (!isTimeZone(timeZone))
    throw new BookingTimeError(`timeZone: "${timeZone}" is not an IANA time zone`);
  if (!WITH_OFFSET.test(startsAt))
    throw new BookingTimeError(
      'startsAt must be an ISO-8601 date-time with its offset, e.g. 2027-03-29T09:00:00+02:00',
    );
  const given = DateTime.fromISO(startsAt, { setZone: true });
  if (!given.isValid) throw new BookingTimeError(`startsAt: "${startsAt}" is not a date-time`);
  const local = given.setZone(timeZone);
  if (given.offset !== 0 && given.offset !== local.offset) {
    const meant = DateTime.fromISO(startsAt.replace(/(Z|[+-]\d{2}:?\d{2})$/, ''), {
      zone: timeZone,
    });
    throw new BookingTimeError(
      `startsAt's offset ${given.toFormat('ZZ')} is not ${timeZone}'s on that day (${local.toFormat('ZZ')})` +
        (meant.isValid ? `; for ${given.toFormat('HH:mm')} there send ${isoOffset(meant)}` : ''),
    );
  }
  if (
    !Number.isInteger(durationMinutes) ||
    durationMinutes < DURATION_MINUTES.min ||
    durationMinutes > DURATION_MINUTES.max
  )
    throw new BookingTimeError(
      `durationMinutes must be a whole number from ${DURATION_MINUTES.min} to ${DURATION_MINUTES.max}`,
    );
  const startsAtMs = given.toMillis();
  if (startsAtMs <= nowMs) throw new BookingTimeError('startsAt must be in the future');
  if (startsAtMs > nowMs + MAX_DAYS_AHEAD * 86_400_000)
    throw new BookingTimeError(`startsAt may be at most ${MAX_DAYS_AHEAD} days ahead`);
  // Kept by its canonical name ("US/Pacific" is America/Los_Angeles, "europe/berlin"
  // Europe/Berlin): calendars and the .ics's VTIMEZONE know the zone by that name.
  const canonical = new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
  return { startsAtMs, endsAtMs: startsAtMs + durationMinutes * 60_000, timeZone: canonical };
}

/** The instant as local time in `zone` with its offset: `2027-03-29T09:00:00+02:00`. */
export function localTimeOf(ms: number, zone: string): string {
  return isoOffset(DateTime.fromMillis(ms, { zone }));
}

function isoOffset(time: DateTime): string {
  return time.toISO({ suppressMilliseconds: true, includeOffset: true }) ?? '';
}

/** A booked session as the rules see it. */
export interface BookedSlot {
  id: string;
  expertId: string;
  startsAtMs: number;
  endsAtMs: number;
}

/** Two half-open intervals [start, end) overlap: back to back (one ends as the next starts) is fine. */
export function overlaps(
  a: Pick<BookedSlot, 'startsAtMs' | 'endsAtMs'>,
  b: Pick<BookedSlot, 'startsAtMs' | 'endsAtMs'>,
): boolean {
  return a.startsAtMs < b.endsAtMs && b.startsAtMs < a.endsAtMs;
}

/** The expert's first booked session (earliest start) that the new one would overlap; null if free. */
export function firstClash(
  expertId: string,
  slot: Pick<BookedSlot, 'startsAtMs' | 'endsAtMs'>,
  booked: readonly BookedSlot[],
  exceptId?: string,
): BookedSlot | null {
  return firstOverlap(
    slot,
    booked.filter((other) => other.expertId === expertId),
    exceptId,
  );
}

/** The earliest of `sessions` (one person's) that overlaps `slot`, but `exceptId` itself. */
export function firstOverlap(
  slot: Pick<BookedSlot, 'startsAtMs' | 'endsAtMs'>,
  sessions: readonly BookedSlot[],
  exceptId?: string,
): BookedSlot | null {
  const clashes = sessions
    .filter((other) => other.id !== exceptId && overlaps(slot, other))
    .sort((a, b) => a.startsAtMs - b.startsAtMs);
  return clashes[0] ?? null;
}

/**
 * Which of a queue's experts takes a new session: one free for the whole slot, with the fewest
 * sessions booked that day (the day of the start, in the booking's zone), then the lowest id, so
 * that equal experts share the bookings and the choice never depends on the directory's order.
 * Null when nobody is free.
 */
export function pickQueueExpert(
  candidateIds: readonly string[],
  slot: SessionTime,
  booked: readonly BookedSlot[],
): string | null {
  const day = DateTime.fromMillis(slot.startsAtMs, { zone: slot.timeZone });
  const dayStart = day.startOf('day').toMillis();
  const dayEnd = day.endOf('day').toMillis() + 1;
  const sameDay = (other: BookedSlot) => other.startsAtMs < dayEnd && other.endsAtMs > dayStart;
  const free = candidateIds
    .filter((id) => firstClash(id, slot, booked) === null)
    .map((id) => ({
      id,
      thatDay: booked.filter((other) => other.expertId === id && sameDay(other)).length,
    }))
    .sort((a, b) => a.thatDay - b.thatDay || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return free[0]?.id ?? null;
}
