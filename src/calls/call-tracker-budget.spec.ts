import {
  TRACKER_TIMING,
  trackerStack,
  type TrackerStack,
} from '../../test/support/tracker-stack.js';

const { minMs: MIN_MS, ringingMs: RINGING_MS, connectedMs: CONNECTED_MS } = TRACKER_TIMING;
const { connectedMaxMs: CONNECTED_MAX_MS, expertAnswerMs: EXPERT_ANSWER_MS } = TRACKER_TIMING;

/** The tracker's polls wait for the request budget: the in-process xAssist grants them when told. */
describe('CallTracker under the request budget, on a fake clock', () => {
  let t: TrackerStack;

  beforeEach(async () => {
    t = await trackerStack();
    t.xassist.budgetHeld = true;
  });
  afterEach(() => t.stop());

  const outcomes = async () =>
    Object.fromEntries(
      (await t.metrics.polls.get()).values.map((v) => [v.labels.outcome, v.value]),
    );

  it("asks for a new call at once, as its first poll (before older calls' polls)", async () => {
    const followedAt = t.clock.now();
    const call = await t.ringingCall();
    expect(t.xassist.claimsOf(call.xassistCallId!)).toEqual([
      { priority: 'ringing', since: followedAt, slowestMs: RINGING_MS, firstPoll: true },
    ]);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(0); // not granted yet
    t.xassist.grant();
    await t.advance(0);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(1);
  });

  it('keeps one poll per call while it waits for the budget, counted as neither failed nor skipped', async () => {
    const call = await t.ringingCall();
    await t.advance(10 * MIN_MS);
    expect(t.xassist.claimsOf(call.xassistCallId!)).toHaveLength(1);
    expect(t.xassist.waitingOf(call.xassistCallId!)).toBe(1);
    expect(await outcomes()).toEqual({});
    t.xassist.grant();
    await t.advance(0);
    expect(await outcomes()).toEqual({ ok: 1 });
    expect(t.xassist.claimsOf(call.xassistCallId!)).toHaveLength(1);
  });

  it('asks again POLL_INTERVAL_MIN_MS after the previous poll started, whenever it was granted or answered', async () => {
    const call = await t.ringingCall();
    const id = call.xassistCallId!;
    await t.advance(100); // waited 100 ms for the budget
    const firstStart = t.clock.now();
    t.xassist.grant();
    await t.advance(MIN_MS - 1);
    expect(t.xassist.claimsOf(id)).toHaveLength(1);
    await t.advance(1);
    expect(t.xassist.claimsOf(id)).toEqual([
      expect.anything(),
      { priority: 'ringing', since: firstStart, slowestMs: RINGING_MS },
    ]);

    // Granted at once, its answer takes 100 ms: the next is still due MIN_MS after it started.
    t.xassist.behaviour.set(id, 'hang');
    const secondStart = t.clock.now();
    t.xassist.grant();
    await t.clock.advance(100);
    t.xassist.behaviour.delete(id);
    t.xassist.releaseHanging();
    await t.advance(MIN_MS - 100 - 1);
    expect(t.xassist.claimsOf(id)).toHaveLength(2);
    await t.advance(1);
    expect(t.xassist.claimsOf(id)).toHaveLength(3);
    expect(t.xassist.claimsOf(id)[2]).toMatchObject({ since: secondStart });
    expect(t.clock.now()).toBe(secondStart + MIN_MS);
  });

  it('claims the connected priority and its slowest cadence once the expert joined, every POLL_INTERVAL_CONNECTED_MS', async () => {
    const call = await t.ringingCall();
    const id = call.xassistCallId!;
    t.xassist.state.join(id, 'erika');
    const joinedSeenAt = t.clock.now();
    t.xassist.grant();
    await t.advance(0);
    expect(await t.statusOf(call)).toBe('expert_joined');
    await t.advance(CONNECTED_MS - 1);
    expect(t.xassist.claimsOf(id)).toHaveLength(1);
    await t.advance(1);
    expect(t.xassist.claimsOf(id)).toEqual([
      expect.objectContaining({ priority: 'ringing' }),
      { priority: 'connected', since: joinedSeenAt, slowestMs: CONNECTED_MAX_MS },
    ]);
  });

  it('commits the deadline on time while the poll still waits for the budget', async () => {
    const call = await t.ringingCall();
    await t.advance(EXPERT_ANSWER_MS - 1);
    expect(await t.statusOf(call)).toBe('ringing');
    await t.advance(1);
    expect(await t.statusOf(call)).toBe('unanswered');
    expect(t.sut.followedCount).toBe(0);
    expect(t.xassist.waitingOf(call.xassistCallId!)).toBe(0); // it left the budget, unsent

    // Granting now, with the expert in, changes nothing and asks nothing again.
    t.xassist.state.join(call.xassistCallId!, 'erika');
    const { seq } = (await t.calls.find(call.id))!;
    t.xassist.grant();
    await t.advance(10 * MIN_MS);
    expect(await t.calls.find(call.id)).toMatchObject({ status: 'unanswered', seq });
    expect(t.xassist.claimsOf(call.xassistCallId!)).toHaveLength(1);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('is granted a slot only while the poll slots would start its attempt at once', async () => {
    const hanging = [];
    for (let i = 0; i < 4; i++) hanging.push(await t.ringingCall()); // 4 poll slots
    const call = await t.ringingCall();
    for (const other of hanging) {
      t.xassist.behaviour.set(other.xassistCallId!, 'hang');
      t.xassist.grant(other.xassistCallId!);
    }
    await t.clock.advance(0);
    t.xassist.grant(call.xassistCallId!);
    expect(t.xassist.waitingOf(call.xassistCallId!)).toBe(1); // every slot is held
    t.xassist.releaseHanging();
    await t.advance(0);
    t.xassist.grant(call.xassistCallId!);
    await t.advance(0);
    expect(t.xassist.pollsOf(call.xassistCallId!)).toBe(1);
  });
});

/** A real PacedXAssistBudget of one slot a second (1.05 s apart) on the fake clock. */
describe('CallTracker on a request budget too small for its calls', () => {
  let t: TrackerStack;
  afterEach(() => t.stop());

  const sent = () => [...t.xassist.polls.values()].reduce((sum, polls) => sum + polls, 0);
  const waiting = () => Object.values(t.xassist.budget!.state().waiting).reduce((a, b) => a + b);
  const failures = async () => ({
    counted: (await t.metrics.polls.get()).values.filter((v) => v.labels.outcome === 'failed'),
    logged: t.log.lines.filter((line) => /polling xAssist failed|a poll failed/.test(line)),
  });

  it('never sends the poll of a call its deadline ended while the poll waited for a slot', async () => {
    t = await trackerStack({ budgetPerSecond: 1 });
    const calls = [];
    for (let i = 0; i < 11; i++) calls.push(await t.ringingCall());
    await t.advance(EXPERT_ANSWER_MS);
    // Ten first polls went out, a slot each; the eleventh still waited when all went unanswered.
    for (const call of calls) expect(await t.statusOf(call)).toBe('unanswered');
    expect(t.xassist.pollsOf(calls[10].xassistCallId!)).toBe(0);
    expect(waiting()).toBe(0);
    const sentByTheDeadline = sent();
    await t.advance(60_000);
    expect(sent()).toBe(sentByTheDeadline);
    expect(await failures()).toEqual({ counted: [], logged: [] });
  });

  it('never sends the poll of a call whose lease went elsewhere while the poll waited', async () => {
    t = await trackerStack({ budgetPerSecond: 1 });
    const kept = await t.ringingCall();
    const handedOver = await t.ringingCall();
    await t.advance(0);
    expect(t.xassist.pollsOf(kept.xassistCallId!)).toBe(1); // the other waits for the next slot
    await t.sut.leasesChanged(new Set([kept.id]), [handedOver.id]);
    expect(waiting()).toBe(0);
    await t.advance(EXPERT_ANSWER_MS - 1);
    expect(t.xassist.pollsOf(handedOver.xassistCallId!)).toBe(0);
    expect(t.xassist.pollsOf(kept.xassistCallId!)).toBeGreaterThanOrEqual(9); // every slot its own
    expect(await failures()).toEqual({ counted: [], logged: [] });
  });
});
