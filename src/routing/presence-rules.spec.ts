import {
  afterCallEnded,
  afterConnect,
  afterOfferOutcome,
  afterWrapUp,
  isWrappingUp,
  offlineDue,
  shownPresence,
  withStatus,
  wrapUpWanted,
} from './presence-rules.js';
import { unknownPresence, type ExpertPresence } from './routing.model.js';

const T0 = '2026-11-23T12:00:00.000Z';
const T1 = '2026-11-23T12:01:00.000Z';
const T2 = '2026-11-23T12:02:00.000Z';
const availableErika = (): ExpertPresence =>
  withStatus(unknownPresence('erika', T0), 'available', T0);

describe('presence after offers', () => {
  it('two timeouts in a row set the expert away and start the count afresh', () => {
    const once = afterOfferOutcome(availableErika(), 'timed_out', T1);
    expect(once).toMatchObject({ status: 'available', consecutiveTimeouts: 1 });
    const twice = afterOfferOutcome(once, 'timed_out', T2);
    expect(twice).toMatchObject({ status: 'away', since: T2, consecutiveTimeouts: 0 });
  });

  it.each(['accepted', 'declined'] as const)(
    '%s between two timeouts resets the count',
    (outcome) => {
      let presence = afterOfferOutcome(availableErika(), 'timed_out', T1);
      presence = afterOfferOutcome(presence, outcome, T1);
      presence = afterOfferOutcome(presence, 'timed_out', T2);
      expect(presence).toMatchObject({ status: 'available', consecutiveTimeouts: 1 });
    },
  );
});

describe('presence status', () => {
  it('becoming available starts the idle time and clears the timeout count', () => {
    const away = { ...withStatus(availableErika(), 'away', T1), consecutiveTimeouts: 1 };
    expect(withStatus(away, 'available', T2)).toMatchObject({
      status: 'available',
      since: T2,
      idleSince: T2,
      consecutiveTimeouts: 0,
    });
  });

  it('setting the status one has changes nothing, not even since', () => {
    const presence = availableErika();
    expect(withStatus(presence, 'available', T2)).toBe(presence);
  });

  it('a call ending moves idle-since on, never back', () => {
    expect(afterCallEnded(availableErika(), T1).idleSince).toBe(T1);
    const later = withStatus(withStatus(availableErika(), 'away', T1), 'available', T2);
    expect(afterCallEnded(later, T1).idleSince).toBe(T2);
  });

  it('a connect brings an offline expert back away, and keeps any other status', () => {
    expect(afterConnect(unknownPresence('erika', T0), T1)).toMatchObject({
      status: 'away',
      since: T1,
      lastSocketAt: T1,
    });
    expect(afterConnect(availableErika(), T1)).toMatchObject({
      status: 'available',
      since: T0,
      lastSocketAt: T1,
    });
  });
});

describe('offlineDue', () => {
  const grace = 30_000;
  const lastSeen = { status: 'available' as const, lastSocketAt: T0 };
  const t = (ms: number) => Date.parse(T0) + ms;

  it('after the grace with no socket connected', () => {
    expect(offlineDue(lastSeen, false, t(29_999), grace)).toBe(false);
    expect(offlineDue(lastSeen, false, t(30_000), grace)).toBe(true);
  });

  it('never while a socket is connected, for who is already offline, or who never had a socket', () => {
    expect(offlineDue(lastSeen, true, t(60_000), grace)).toBe(false);
    expect(offlineDue({ ...lastSeen, status: 'offline' }, false, t(60_000), grace)).toBe(false);
    expect(offlineDue({ ...lastSeen, lastSocketAt: null }, false, t(60_000), grace)).toBe(false);
  });
});

describe('after-call work', () => {
  const available = withStatus(unknownPresence('erika', T0), 'available', T0);
  const nowMs = Date.parse(T1);

  it('starts at the end of a call for the seconds asked, and is shown as wrap_up while it runs', () => {
    const wrapping = afterCallEnded(available, T1, { callId: 'c1', seconds: 30 });
    expect(wrapping.wrapUp).toEqual({
      callId: 'c1',
      until: new Date(nowMs + 30_000).toISOString(),
    });
    expect(isWrappingUp(wrapping, nowMs + 29_999)).toBe(true);
    expect(shownPresence(wrapping, nowMs + 29_999)).toBe('wrap_up');
    expect(isWrappingUp(wrapping, nowMs + 30_000)).toBe(false);
    expect(shownPresence(wrapping, nowMs + 30_000)).toBe('available');
    // Offline is what it is, whatever work is left.
    expect(shownPresence({ ...wrapping, status: 'offline' }, nowMs)).toBe('offline');
    expect(afterCallEnded(available, T1, { callId: 'c1', seconds: 0 }).wrapUp).toBeNull();
  });

  it('ends when that call is wrapped up or the time ran out, and not otherwise', () => {
    const wrapping = afterCallEnded(available, T1, { callId: 'c1', seconds: 30 });
    expect(afterWrapUp(wrapping, nowMs, 'c2')).toBe(wrapping);
    expect(afterWrapUp(wrapping, nowMs + 1_000)).toBe(wrapping);
    expect(afterWrapUp(wrapping, nowMs, 'c1').wrapUp).toBeNull();
    expect(afterWrapUp(wrapping, nowMs + 30_000).wrapUp).toBeNull();
    expect(afterWrapUp(available, nowMs)).toBe(available);
  });

  it('is wanted for a call that ended talking in a queue with wrapUpSeconds', () => {
    expect(wrapUpWanted({ id: 'c1', status: 'ended' }, { wrapUpSeconds: 45 })).toEqual({
      callId: 'c1',
      seconds: 45,
    });
    expect(wrapUpWanted({ id: 'c1', status: 'ended' }, { wrapUpSeconds: 0 })).toBeNull();
    expect(wrapUpWanted({ id: 'c1', status: 'missed' }, { wrapUpSeconds: 45 })).toBeNull();
    expect(wrapUpWanted({ id: 'c1', status: 'ended' }, undefined)).toBeNull();
  });
});
