import { compareUrgency } from '../xassist/budget-order.js';
import { aCallRecord, T0 } from '../../test/support/call-records.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { CallRecord } from './call.model.js';
import { PLANNED_POLL_MS, pollClaimOf, PollSchedule } from './poll-schedule.js';

const polling = { minMs: 250, ringingMs: 1000, connectedMs: 5000, connectedMaxMs: 15_000 };
const timeouts = { expertAnswerMs: 10_000, technicianJoinMs: 20_000 };
const t0 = Date.parse(T0);

describe('pollClaimOf', () => {
  it('claims ringing with the slowest ringing cadence, anything else connected with its own', () => {
    expect(pollClaimOf('ringing', 7, polling)).toEqual({
      priority: 'ringing',
      since: 7,
      slowestMs: 1000,
    });
    for (const status of ['expert_joined', 'connected'] as const)
      expect(pollClaimOf(status, 7, polling)).toEqual({
        priority: 'connected',
        since: 7,
        slowestMs: 15_000,
      });
  });
});

describe('pollClaimOf for a planned call', () => {
  it('claims the lowest priority and is never overdue, however long it waited', () => {
    const claim = pollClaimOf('planned', 7, polling, true);
    expect(claim).toEqual({ priority: 'background', since: 7 });
    // Overdue would rank it above every ringing call: a backlog of planned polls would take
    // the slots of calls that really ring.
    const ringing = {
      priority: 'ringing' as const,
      since: 10 * PLANNED_POLL_MS,
      slowestMs: 1_000,
      order: 1,
    };
    const planned = { ...claim, since: 7, order: 0 };
    expect(compareUrgency(planned, ringing, 10 * PLANNED_POLL_MS + 500)).toBeGreaterThan(0);
  });
});

describe('PollSchedule of a planned call on a fake clock', () => {
  it('polls every 15 minutes and fires its deadline at the start, even days ahead', async () => {
    const clock = new FakeClock(t0);
    const startsInMs = 3 * 24 * 3_600_000;
    let call = aCallRecord({
      status: 'planned',
      ringingAt: null,
      plannedFor: new Date(t0 + startsInMs).toISOString(),
    });
    const happened: number[] = [];
    const deadlines: number[] = [];
    const sut = new PollSchedule(clock, { polling, timeouts }, () => call, {
      pollDue: () => {
        happened.push(clock.now() - t0);
        sut.begin();
        sut.started();
        sut.ended();
      },
      pollSkipped: () => undefined,
      deadlineDue: () => deadlines.push(clock.now() - t0),
    });
    sut.begin();
    sut.started();
    sut.ended();
    await clock.advance(PLANNED_POLL_MS * 2);
    expect(happened).toEqual([PLANNED_POLL_MS, 2 * PLANNED_POLL_MS]);
    await clock.advance(startsInMs - 2 * PLANNED_POLL_MS - 1);
    expect(deadlines).toEqual([]);
    await clock.advance(1);
    expect(deadlines).toEqual([startsInMs]);
    call = { ...call, status: 'ringing', ringingAt: new Date(t0 + startsInMs).toISOString() };
    sut.callChanged();
    sut.stop();
  });
});

describe('PollSchedule on a fake clock', () => {
  let clock: FakeClock;
  let call: CallRecord;
  let happened: string[];
  let sut: PollSchedule;

  beforeEach(() => {
    clock = new FakeClock(t0);
    call = aCallRecord();
    happened = [];
    sut = new PollSchedule(clock, { polling, timeouts }, () => call, {
      pollDue: () => happened.push(`due ${clock.now() - t0}`),
      pollSkipped: () => happened.push(`skipped ${clock.now() - t0}`),
      deadlineDue: () => happened.push(`deadline ${clock.now() - t0}`),
    });
  });
  afterEach(() => sut.stop());

  it('counts a due time passing during a poll as skipped, once per interval, and is due as soon as the poll ends', async () => {
    sut.begin();
    sut.started();
    await clock.advance(600);
    expect(happened).toEqual(['skipped 250', 'skipped 500']);
    sut.ended();
    await clock.advance(0);
    expect(happened).toEqual(['skipped 250', 'skipped 500', 'due 600']);
  });

  it('counts from when a poll was asked for if it never got to an attempt (no busy loop)', async () => {
    await clock.advance(1000);
    sut.begin(); // asked at 1000, refused before any attempt (an open circuit)
    sut.ended();
    await clock.advance(249);
    expect(happened).toEqual([]);
    await clock.advance(1);
    expect(happened).toEqual(['due 1250']);
  });

  it('changes cadence with the status: a connected call is due POLL_INTERVAL_CONNECTED_MS after its last poll', async () => {
    sut.begin();
    sut.started();
    sut.ended();
    call = aCallRecord({ status: 'connected' });
    sut.callChanged();
    await clock.advance(4999);
    expect(happened).toEqual([]);
    await clock.advance(1);
    expect(happened).toEqual(['due 5000']);
  });

  it('fires the deadline on its own timer, follows a new one, and tries again after a failed commit', async () => {
    sut.begin(); // a poll waiting for the budget all along
    await clock.advance(10_000);
    expect(happened).toEqual(['deadline 10000']);
    sut.deadlineHandled(); // the call still waits past its deadline: not committed
    await clock.advance(250);
    expect(happened).toEqual(['deadline 10000', 'deadline 10250']);

    call = aCallRecord({
      status: 'expert_joined',
      expertJoinedAt: new Date(t0 + 10_300).toISOString(),
    });
    sut.callChanged();
    sut.deadlineHandled(); // committed meanwhile: nothing to try again
    await clock.advance(30_000);
    expect(happened).toEqual(['deadline 10000', 'deadline 10250', 'deadline 30300']);
  });

  it('sets no timer once stopped', async () => {
    sut.begin();
    sut.started();
    sut.stop();
    sut.ended();
    sut.callChanged();
    expect(clock.pendingTimers).toBe(0);
  });
});
