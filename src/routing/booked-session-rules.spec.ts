import type { BookedSession } from './booked-sessions.port.js';
import { guardedBySession, inBookedSession, nextSessionStart } from './booked-session-rules.js';

const T0 = Date.parse('2027-03-29T07:00:00.000Z');
const minutes = (n: number) => T0 + n * 60_000;
const session = (overrides: Partial<BookedSession> = {}): BookedSession => ({
  expertId: 'erika',
  startsAtMs: T0,
  endsAtMs: minutes(30),
  callEnded: false,
  ...overrides,
});

describe('inBookedSession', () => {
  it('is busy from the start, not a millisecond before, until the session is over', () => {
    const sessions = [session()];
    expect(inBookedSession(sessions, 'erika', T0 - 1)).toBe(false);
    expect(inBookedSession(sessions, 'erika', T0)).toBe(true);
    expect(inBookedSession(sessions, 'erika', minutes(30) - 1)).toBe(true);
    expect(inBookedSession(sessions, 'erika', minutes(30))).toBe(false);
    expect(inBookedSession(sessions, 'ed', minutes(10))).toBe(false);
  });

  it('is free again once the call ended, before the booked time is up', () => {
    expect(inBookedSession([session({ callEnded: true })], 'erika', minutes(10))).toBe(false);
  });
});

describe('nextSessionStart and guardedBySession', () => {
  const sessions = [
    session({ startsAtMs: minutes(45), endsAtMs: minutes(75) }),
    session({ startsAtMs: minutes(10), endsAtMs: minutes(40) }),
    session({ expertId: 'ed', startsAtMs: minutes(5), endsAtMs: minutes(35) }),
  ];

  it("finds the expert's next start, not a running session's nor another expert's", () => {
    expect(nextSessionStart(sessions, 'erika', T0)).toBe(minutes(10));
    expect(nextSessionStart(sessions, 'erika', minutes(10))).toBe(minutes(45));
    expect(nextSessionStart(sessions, 'max', T0)).toBeNull();
  });

  it('keeps the expert out of offers when the next session starts within the guard', () => {
    const standing = { nextSessionAtMs: minutes(10) };
    expect(guardedBySession(standing, 10, T0 - 1)).toBe(false); // 10 min and 1 ms ahead
    expect(guardedBySession(standing, 10, T0)).toBe(true); // exactly 10 minutes ahead
    expect(guardedBySession(standing, 10, minutes(9))).toBe(true);
    expect(guardedBySession(standing, 5, T0)).toBe(false);
    expect(guardedBySession(standing, 0, minutes(9))).toBe(false); // the guard turned off
    expect(guardedBySession({ nextSessionAtMs: null }, 10, T0)).toBe(false);
    expect(guardedBySession(undefined, 10, T0)).toBe(false);
  });
});
