import {
  TRACKER_TIMING,
  trackerStack,
  type TrackerStack,
} from '../../test/support/tracker-stack.js';

const {
  minMs: MIN_MS,
  connectedMs: CONNECTED_MS,
  expertAnswerMs: EXPERT_ANSWER_MS,
} = TRACKER_TIMING;

describe('CallTracker on a fake clock', () => {
  let t: TrackerStack;

  beforeEach(async () => (t = await trackerStack()));
  afterEach(() => t.stop());

  it('follows a new call from the event bus, polls it at once, then every POLL_INTERVAL_MIN_MS while ringing', async () => {
    const call = await t.ringingCall();
    expect(t.sut.followedCount).toBe(1);
    await t.advance(0);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(1);
    await t.advance(MIN_MS - 1);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(1);
    await t.advance(1);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(2);
    await t.advance(4 * MIN_MS);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(6);
  });

  it('polls every POLL_INTERVAL_CONNECTED_MS once the expert joined', async () => {
    const call = await t.ringingCall(); // polled at once, still ringing
    t.xassist.state.join(call.xassistCallId!, 'erika');
    await t.advance(MIN_MS);
    expect(await t.statusOf(call)).toBe('expert_joined');
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(2);
    await t.advance(CONNECTED_MS - 1);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(2);
    await t.advance(1);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(3);
    await t.advance(CONNECTED_MS);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(4);
  });

  it("rings a booked session's planned call exactly at its start, polling it every 15 minutes until then", async () => {
    const hour = 3_600_000;
    const call = await t.plannedCall(hour);
    await t.advance(0);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(1);
    await t.advance(hour - 1);
    expect(await t.statusOf(call)).toBe('planned');
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(4); // at 0, 15, 30 and 45 minutes
    await t.advance(1);
    expect(await t.calls.find(call.id)).toMatchObject({
      status: 'ringing',
      ringingAt: new Date(Date.parse(call.plannedFor!)).toISOString(),
    });
    // From then on it is followed like any ringing call: polled at once, then every MIN_MS.
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(5);
    await t.advance(MIN_MS);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(6);
    await t.advance(EXPERT_ANSWER_MS);
    expect(await t.statusOf(call)).toBe('unanswered');
  });

  it('ends a call unanswered exactly at its deadline and stops polling it', async () => {
    const call = await t.ringingCall();
    await t.advance(EXPERT_ANSWER_MS - 1);
    expect(await t.statusOf(call)).toBe('ringing');
    await t.advance(1);
    expect(await t.statusOf(call)).toBe('unanswered');
    expect(t.sut.followedCount).toBe(0);
    const polls = t.xassist.pollsOf(call.xassistCallId!);
    await t.advance(10 * MIN_MS);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(polls);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('skips the due polls of a call whose poll still hangs, and still ends it at its deadline', async () => {
    const call = await t.ringingCall(); // polled at once
    await t.sut.idle();
    const { seq } = (await t.calls.find(call.id))!;
    t.xassist.behaviour.set(call.xassistCallId!, 'hang');
    await t.clock.advance(6 * MIN_MS); // the next poll, at MIN_MS, hangs
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(2);
    const skipped = (await t.metrics.polls.get()).values.find(
      (v) => v.labels.outcome === 'skipped',
    );
    expect(skipped?.value).toBe(5);
    await t.clock.advance(EXPERT_ANSWER_MS);
    expect(await t.statusOf(call)).toBe('unanswered');

    // The hanging poll answers after all, with the expert in: too late, nothing changes.
    t.xassist.state.join(call.xassistCallId!, 'erika');
    t.xassist.releaseHanging();
    await t.sut.idle();
    expect(await t.calls.find(call.id)).toMatchObject({ status: 'unanswered', seq: seq + 1 });
  });

  it('keeps polling other calls while one hangs', async () => {
    const stuck = await t.ringingCall();
    const healthy = await t.ringingCall();
    t.xassist.behaviour.set(stuck.xassistCallId!, 'hang');
    await t.clock.advance(MIN_MS);
    t.xassist.state.join(healthy.xassistCallId!, 'erika');
    await t.clock.advance(MIN_MS);
    expect(await t.statusOf(healthy)).toBe('expert_joined');
  });

  it('ends a call xAssist no longer knows as failed after 3 answers of 404 in a row', async () => {
    const call = await t.ringingCall();
    t.xassist.behaviour.set(call.xassistCallId!, 'gone');
    await t.advance(2 * MIN_MS); // the first poll, at once, found it
    expect(await t.statusOf(call)).toBe('ringing');
    await t.advance(MIN_MS);
    expect(await t.calls.find(call.id)).toMatchObject({
      status: 'failed',
      failureReason:
        'xAssist no longer knows the call: getCallLogById answered 404 3 times in a row',
    });
    expect(t.sut.followedCount).toBe(0);
  });

  it('logs a poll failure that repeats once, and how often it repeated when it stops', async () => {
    const call = await t.ringingCall();
    t.xassist.behaviour.set(call.xassistCallId!, 'unavailable');
    await t.advance(5 * MIN_MS); // the first poll, at once, succeeded
    const first = t.log.lines.filter((line) => line.includes('polling xAssist failed; will try'));
    expect(first).toHaveLength(1);
    t.xassist.behaviour.delete(call.xassistCallId!);
    await t.advance(MIN_MS);
    const summary = t.log.lines.filter((line) => line.includes('polling xAssist failed 5 time(s)'));
    expect(summary).toHaveLength(1);
    expect(JSON.parse(summary[0])).toMatchObject({ callId: call.id, times: 5 });
  });

  it('counts an answer for another call as a failed poll, never as a vanished call', async () => {
    const call = await t.ringingCall(); // polled at once
    await t.sut.idle();
    const { seq } = (await t.calls.find(call.id))!;
    t.xassist.state.join(call.xassistCallId!, 'erika'); // what a wrongly applied log could ring
    t.xassist.behaviour.set(call.xassistCallId!, 'wrong-call');
    await t.advance(6 * MIN_MS);
    const failed = (await t.metrics.polls.get()).values.find((v) => v.labels.outcome === 'failed');
    expect(failed?.value).toBe(6);
    expect(await t.calls.find(call.id)).toMatchObject({ status: 'ringing', seq });
    t.xassist.behaviour.delete(call.xassistCallId!);
    await t.advance(MIN_MS);
    expect(await t.statusOf(call)).toBe('expert_joined');
  });
});
