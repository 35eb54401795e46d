import type { BookedSession } from './booked-sessions.port.js';
import type { ExpertStanding } from './routing.model.js';

/**
 * Booked sessions in routing, as pure functions of plain data (booked-session-rules.spec.ts):
 * an expert in a session is busy from its start until its call ends or its time is up; a queue
 * offers nobody a call when one of their sessions starts within its `bookingGuardMinutes`.
 */

/** The largest bookingGuardMinutes a queue may set (a day); also how far ahead presence looks. */
export const MAX_BOOKING_GUARD_MINUTES = 1440;

/** Whether the expert is in a booked session at `nowMs`: started, not over, its call not ended. */
export function inBookedSession(
  sessions: readonly BookedSession[],
  expertId: string,
  nowMs: number,
): boolean {
  return sessions.some(
    (session) =>
      session.expertId === expertId &&
      session.startsAtMs <= nowMs &&
      nowMs < session.endsAtMs &&
      !session.callEnded,
  );
}

/** When the expert's next session starts (after `nowMs`); null when none is near. */
export function nextSessionStart(
  sessions: readonly BookedSession[],
  expertId: string,
  nowMs: number,
): number | null {
  const starts = sessions
    .filter((session) => session.expertId === expertId && session.startsAtMs > nowMs)
    .map((session) => session.startsAtMs);
  return starts.length === 0 ? null : Math.min(...starts);
}

/**
 * Whether a queue with this guard keeps the expert out of its offers at `nowMs`: a session of
 * theirs starts within the guard, so a call taken now would run into it. 0 turns it off.
 */
export function guardedBySession(
  standing: Pick<ExpertStanding, 'nextSessionAtMs'> | undefined,
  guardMinutes: number,
  nowMs: number,
): boolean {
  const next = standing?.nextSessionAtMs;
  if (next === undefined || next === null || guardMinutes <= 0) return false;
  return next > nowMs && next - nowMs <= guardMinutes * 60_000;
}
