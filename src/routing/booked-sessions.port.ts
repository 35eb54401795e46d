/** A booked session as routing sees it (src/appointments provides them). */
export interface BookedSession {
  expertId: string;
  startsAtMs: number;
  endsAtMs: number;
  /** Its call reached an end status: the expert is free again before endsAtMs. */
  callEnded: boolean;
}

/**
 * The booked sessions near now, for presence and the booking guard (booked-session-rules.ts).
 * Implemented above routing by src/appointments and provided globally, as QueueAdmission is the
 * other way round; a broker without it has no sessions.
 */
export abstract class BookedSessions {
  /** Sessions not cancelled that end after `nowMs` and start before `nowMs + aheadMs`. */
  abstract near(nowMs: number, aheadMs: number): Promise<BookedSession[]>;
}
