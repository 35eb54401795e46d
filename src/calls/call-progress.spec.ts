import type { CallEvent, CallLog } from '../xassist-contract/xassist-contract.js';
import type { CallRecord } from './call.model.js';
import { CallChange } from './call-change.js';
import { IllegalTransitionError } from './call-lifecycle.js';
import { applyCallLog, applyDeadline, applyVanished } from './call-progress.js';
import { aCallRecord, T0 } from '../../test/support/call-records.js';

const timeouts = { expertAnswerMs: 60_000, technicianJoinMs: 30_000 };

const created: CallEvent = { id: 1, type: 'Created', contact: { userDbId: 12, userId: 'tom' } };
const join = (id: number, userDbId: number): CallEvent => ({
  id,
  type: 'Join',
  contact: { userDbId },
});
const leave = (id: number, userDbId: number): CallEvent => ({
  id,
  type: 'Leave',
  contact: { userDbId },
});
const log = (callEvents: CallEvent[], callStatus = 'Started'): CallLog => ({
  id: 1,
  callId: 'x1',
  callStatus,
  callEvents,
});

function apply(call: CallRecord, events: CallEvent[], seen: string[] = ['1'], callStatus?: string) {
  const change = new CallChange(call, '2026-11-22T10:00:05.000Z');
  applyCallLog(change, log(events, callStatus), new Set(seen));
  return change;
}

describe('applyCallLog', () => {
  it('records each new xAssist event once and moves to expert_joined on the first invited expert', () => {
    const change = apply(aCallRecord(), [created, join(2, 9), join(3, 8)]);
    expect(change.events.map((e) => [e.seq, e.type, e.status])).toEqual([
      [3, 'xassist.Join', 'ringing'],
      [4, 'status.expert_joined', 'expert_joined'],
      [5, 'xassist.Join', 'expert_joined'],
    ]);
    expect(change.call).toMatchObject({ status: 'expert_joined', joinedExpertId: 'ed', seq: 5 });
    expect(change.seenXAssistEventIds).toEqual(['2', '3']);
  });

  it('ignores events already taken in', () => {
    expect(apply(aCallRecord(), [created, join(2, 8)], ['1', '2']).isEmpty).toBe(true);
  });

  it('connects when the technician joins after the expert', () => {
    const call = aCallRecord({
      status: 'expert_joined',
      joinedExpertId: 'erika',
      expertJoinedAt: T0,
    });
    const change = apply(call, [created, join(2, 8), join(3, 12)], ['1', '2']);
    expect(change.events.map((e) => e.type)).toEqual(['xassist.Join', 'status.connected']);
    expect(change.call.connectedAt).toBe('2026-11-22T10:00:05.000Z');
  });

  it('goes through expert_joined to connected when the technician was there first', () => {
    const change = apply(aCallRecord(), [created, join(2, 12), join(3, 8)]);
    expect(change.events.map((e) => e.type)).toEqual([
      'xassist.Join',
      'xassist.Join',
      'status.expert_joined',
      'status.connected',
    ]);
  });

  it('keeps unknown event types', () => {
    const change = apply(aCallRecord(), [created, { id: 2, type: 'ScreenShared', comment: 'x' }]);
    expect(change.events[0]).toMatchObject({
      type: 'xassist.ScreenShared',
      xassist: { comment: 'x' },
    });
    expect(change.call.status).toBe('ringing');
  });

  it('ends when xAssist says Ended, or when everyone has left', () => {
    const connected = aCallRecord({ status: 'connected', joinedExpertId: 'erika' });
    expect(apply(connected, [created], ['1'], 'Ended').call.status).toBe('ended');
    const left = apply(
      connected,
      [created, join(2, 8), join(3, 12), leave(4, 8), leave(5, 12)],
      ['1', '2', '3'],
    );
    expect(left.events.map((e) => e.type)).toEqual([
      'xassist.Leave',
      'xassist.Leave',
      'status.ended',
    ]);
  });

  it('does not end a ringing call because the technician stepped out', () => {
    expect(apply(aCallRecord(), [created, join(2, 12), leave(3, 12)]).call.status).toBe('ringing');
  });
});

describe('applyCallLog on a planned call', () => {
  const planned = () =>
    aCallRecord({ status: 'planned', ringingAt: null, plannedFor: '2026-11-22T11:00:00.000Z' });

  it('stays planned while xAssist only knows it (Planned, no one in)', () => {
    const change = apply(planned(), [created], ['1'], 'Planned');
    expect(change.isEmpty).toBe(true);
  });

  it('starts early when its expert joins before the start: ringing, then expert_joined', () => {
    const change = apply(planned(), [created, join(2, 8)], ['1'], 'Started');
    expect(change.events.map((e) => e.type)).toEqual([
      'xassist.Join',
      'status.ringing',
      'status.expert_joined',
    ]);
  });
});

describe('applyDeadline', () => {
  const at = (ms: number) => Date.parse(T0) + ms;

  it('makes a ringing call unanswered when no expert joined in time', () => {
    const early = new CallChange(aCallRecord(), T0);
    applyDeadline(early, at(59_999), timeouts);
    expect(early.isEmpty).toBe(true);
    const late = new CallChange(aCallRecord(), T0);
    applyDeadline(late, at(60_000), timeouts);
    expect(late.call.status).toBe('unanswered');
  });

  it('makes an expert_joined call missed when the technician did not join in time', () => {
    const change = new CallChange(aCallRecord({ status: 'expert_joined', expertJoinedAt: T0 }), T0);
    applyDeadline(change, at(30_000), timeouts);
    expect(change.events.map((e) => e.type)).toEqual(['status.missed']);
  });

  it("rings a booked session's planned call at its start, not a millisecond before", () => {
    const start = new Date(at(3_600_000)).toISOString();
    const planned = aCallRecord({ status: 'planned', ringingAt: null, plannedFor: start });
    const early = new CallChange(planned, T0);
    applyDeadline(early, at(3_599_999), timeouts);
    expect(early.isEmpty).toBe(true);
    const due = new CallChange(planned, start);
    applyDeadline(due, at(3_600_000), timeouts);
    expect(due.events.map((e) => e.type)).toEqual(['status.ringing']);
    expect(due.call.ringingAt).toBe(start);
  });

  it('refuses transitions the lifecycle does not allow', () => {
    const change = new CallChange(aCallRecord({ status: 'ended' }), T0);
    expect(() => change.transition('connected')).toThrow(IllegalTransitionError);
  });
});

describe('applyCallLog with odd upstream events', () => {
  it('takes an id that appears twice in one log once', () => {
    const change = apply(aCallRecord(), [created, join(5, 9), { id: 5, type: 'Chat' }]);
    expect(change.events.map((e) => e.type)).toEqual(['xassist.Join', 'status.expert_joined']);
    expect(change.seenXAssistEventIds).toEqual(['5']);
  });

  it('skips entries that are not events at all', () => {
    const odd = [null, 'text', created, join(2, 8)] as unknown as CallEvent[];
    const change = apply(aCallRecord(), odd);
    expect(change.events.map((e) => e.type)).toEqual(['xassist.Join', 'status.expert_joined']);
  });

  it('recognises a long id already seen by the key it was stored under', () => {
    const longId = 'i'.repeat(300);
    const first = apply(aCallRecord(), [created, { id: longId, type: 'Chat' } as never]);
    const [key] = first.seenXAssistEventIds;
    expect(key.length).toBeLessThanOrEqual(64);
    const again = apply(
      aCallRecord(),
      [created, { id: longId, type: 'Chat' } as never],
      ['1', key],
    );
    expect(again.events).toEqual([]);
  });
});

describe('applyVanished', () => {
  const vanished = (call: CallRecord, notFound: number) => {
    const change = new CallChange(call, '2026-11-22T10:00:05.000Z');
    applyVanished(change, notFound, 3);
    return change.call;
  };

  it('fails the call once xAssist answered 404 the given number of times in a row', () => {
    expect(vanished(aCallRecord(), 2).status).toBe('ringing');
    expect(vanished(aCallRecord(), 3)).toMatchObject({
      status: 'failed',
      failureReason:
        'xAssist no longer knows the call: getCallLogById answered 404 3 times in a row',
    });
  });

  it('leaves an ended call as it is', () => {
    expect(vanished(aCallRecord({ status: 'ended' }), 5).status).toBe('ended');
  });
});
