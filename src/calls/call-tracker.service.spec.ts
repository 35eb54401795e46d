import { aCreatingCall } from '../../test/support/call-records.js';
import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { participant, people } from '../../test/support/people.js';
import type { AppConfig } from '../config/app-config.js';
import { InProcessXAssist, ringErika } from '../../test/support/in-process-xassist.js';
import { CallChange } from './call-change.js';
import type { CallRecord } from './call.model.js';
import { CallTracker } from './call-tracker.service.js';

const RINGING_MS = 1000;
const CONNECTED_MS = 5000;
const EXPERT_ANSWER_MS = 10_000;

describe('CallTracker on a fake clock', () => {
  let stack: CallsStack;
  let { clock, calls, ledger, leases, log, metrics } = {} as CallsStack;
  let xassist: InProcessXAssist;
  let sut: CallTracker;

  beforeEach(async () => {
    stack = await callsStack({ logLevel: 'debug' });
    ({ clock, calls, ledger, leases, log, metrics } = stack);
    xassist = new InProcessXAssist();
    const config = {
      polling: {
        ringingMs: RINGING_MS,
        connectedMs: CONNECTED_MS,
        maxConcurrent: 4,
        slowAttemptMs: 1_000,
        notFoundPollsToFail: 3,
      },
      timeouts: { expertAnswerMs: EXPERT_ANSWER_MS, technicianJoinMs: 20_000 },
    } as AppConfig;
    sut = new CallTracker(config, log.logger, calls, ledger, xassist, metrics, clock, leases);
    stack.bus.on('call.committed', 'after-commit', (committed) => sut.committed(committed));
  });

  afterEach(async () => {
    xassist.releaseHanging();
    await sut.onApplicationShutdown();
    await stack.close();
  });

  /** A call ringing on xAssist and in the database, as creation leaves it. */
  async function ringingCall(): Promise<CallRecord> {
    const xassistLog = ringErika(xassist);
    const call = aCreatingCall(clock.isoNow(), {
      id: `call-${xassistLog.callId}`,
      experts: [participant(people.erika)],
    });
    await ledger.insert(call, null, async () => undefined); // its creator holds its lease
    const change = new CallChange(call, call.createdAt);
    change.transition('ringing', { xassistCallId: xassistLog.callId });
    await ledger.record(change); // the tracker follows it from the event bus
    return change.call;
  }

  async function advance(ms: number): Promise<void> {
    await clock.advance(ms);
    await sut.idle();
  }

  const statusOf = async (call: CallRecord) => (await calls.find(call.id))!.status;

  it('follows a new call from the event bus and polls it once per ringing interval', async () => {
    const call = await ringingCall();
    expect(sut.followedCount).toBe(1);
    await advance(RINGING_MS - 1);
    expect(xassist.pollsOf(call.xassistCallId!)).toBe(0);
    await advance(1);
    expect(xassist.pollsOf(call.xassistCallId!)).toBe(1);
    await advance(4 * RINGING_MS);
    expect(xassist.pollsOf(call.xassistCallId!)).toBe(5);
  });

  it('polls every connected interval once the expert joined', async () => {
    const call = await ringingCall();
    xassist.state.join(call.xassistCallId!, 'erika');
    await advance(RINGING_MS);
    expect(await statusOf(call)).toBe('expert_joined');
    const polls = xassist.pollsOf(call.xassistCallId!);
    await advance(RINGING_MS); // the tick already set at the ringing rate
    await advance(CONNECTED_MS - 1);
    expect(xassist.pollsOf(call.xassistCallId!)).toBe(polls + 1);
    await advance(1);
    expect(xassist.pollsOf(call.xassistCallId!)).toBe(polls + 2);
  });

  it('ends a call unanswered exactly at its deadline and stops polling it', async () => {
    const call = await ringingCall();
    await advance(EXPERT_ANSWER_MS - 1);
    expect(await statusOf(call)).toBe('ringing');
    await advance(1);
    expect(await statusOf(call)).toBe('unanswered');
    expect(sut.followedCount).toBe(0);
    const polls = xassist.pollsOf(call.xassistCallId!);
    await advance(10 * RINGING_MS);
    expect(xassist.pollsOf(call.xassistCallId!)).toBe(polls);
    expect(clock.pendingTimers).toBe(0);
  });

  it('skips the ticks of a call whose poll still hangs, and still ends it at its deadline', async () => {
    const call = await ringingCall();
    xassist.behaviour.set(call.xassistCallId!, 'hang');
    await clock.advance(5 * RINGING_MS);
    expect(xassist.pollsOf(call.xassistCallId!)).toBe(1);
    await clock.advance(EXPERT_ANSWER_MS);
    expect(await statusOf(call)).toBe('unanswered');

    // The hanging poll answers after all, with the expert in: too late, nothing changes.
    xassist.state.join(call.xassistCallId!, 'erika');
    xassist.releaseHanging();
    await sut.idle();
    expect(await calls.find(call.id)).toMatchObject({ status: 'unanswered', seq: 2 });
  });

  it('keeps polling other calls while one hangs', async () => {
    const stuck = await ringingCall();
    const healthy = await ringingCall();
    xassist.behaviour.set(stuck.xassistCallId!, 'hang');
    await clock.advance(RINGING_MS);
    xassist.state.join(healthy.xassistCallId!, 'erika');
    await clock.advance(RINGING_MS);
    expect(await statusOf(healthy)).toBe('expert_joined');
  });

  it('ends a call xAssist no longer knows as failed after 3 answers of 404 in a row', async () => {
    const call = await ringingCall();
    xassist.behaviour.set(call.xassistCallId!, 'gone');
    await advance(2 * RINGING_MS);
    expect(await statusOf(call)).toBe('ringing');
    await advance(RINGING_MS);
    expect(await calls.find(call.id)).toMatchObject({
      status: 'failed',
      failureReason:
        'xAssist no longer knows the call: getCallLogById answered 404 3 times in a row',
    });
    expect(sut.followedCount).toBe(0);
  });

  it('logs a poll failure that repeats once, and how often it repeated when it stops', async () => {
    const call = await ringingCall();
    xassist.behaviour.set(call.xassistCallId!, 'unavailable');
    await advance(5 * RINGING_MS);
    const first = log.lines.filter((line) => line.includes('polling xAssist failed; will try'));
    expect(first).toHaveLength(1);
    xassist.behaviour.delete(call.xassistCallId!);
    await advance(RINGING_MS);
    const summary = log.lines.filter((line) => line.includes('polling xAssist failed 5 time(s)'));
    expect(summary).toHaveLength(1);
    expect(JSON.parse(summary[0])).toMatchObject({ callId: call.id, times: 5 });
  });

  it('counts an answer for another call as a failed poll, never as a vanished call', async () => {
    const call = await ringingCall();
    xassist.state.join(call.xassistCallId!, 'erika'); // what a wrongly applied log could ring
    xassist.behaviour.set(call.xassistCallId!, 'wrong-call');
    await advance(6 * RINGING_MS);
    const failed = (await metrics.polls.get()).values.find((v) => v.labels.outcome === 'failed');
    expect(failed?.value).toBe(6);
    expect(await calls.find(call.id)).toMatchObject({ status: 'ringing', seq: 1 });
    xassist.behaviour.delete(call.xassistCallId!);
    await advance(RINGING_MS);
    expect(await statusOf(call)).toBe('expert_joined');
  });
});
