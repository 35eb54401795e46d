import { CallChange } from '../../src/calls/call-change.js';
import type { CallStatus } from '../../src/calls/call-lifecycle.js';
import type { CallRecord } from '../../src/calls/call.model.js';
import { CallTracker } from '../../src/calls/call-tracker.service.js';
import { MemoryRateLimiter } from '../../src/cluster/shared-rate-limiter.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { PacedXAssistBudget } from '../../src/xassist/xassist-budget.js';
import { aCreatingCall } from './call-records.js';
import { callsStack, type CallsStack } from './calls-stack.js';
import { InProcessXAssist, ringErika } from './in-process-xassist.js';
import { participant, people } from './people.js';

/** The tracker specs' cadence and deadlines (ms). */
export const TRACKER_TIMING = {
  minMs: 250,
  ringingMs: 1000,
  connectedMs: 5000,
  connectedMaxMs: 15_000,
  expertAnswerMs: 10_000,
  technicianJoinMs: 20_000,
};

/** A CallTracker on a fake clock, following calls of an in-process xAssist. */
export interface TrackerStack extends Omit<CallsStack, 'xassist'> {
  xassist: InProcessXAssist;
  sut: CallTracker;
  /** A call ringing on xAssist and in the database, as creation leaves it (the tracker follows it). */
  ringingCall(): Promise<CallRecord>;
  /** A booked session's call, created on xAssist and `planned` to start `startsInMs` from now. */
  plannedCall(startsInMs: number): Promise<CallRecord>;
  /** Moves the clock and waits until no poll or commit is under way. */
  advance(ms: number): Promise<void>;
  statusOf(call: CallRecord): Promise<CallStatus>;
  /** Shuts the tracker down and closes the stack. */
  stop(): Promise<void>;
}

/**
 * `budgetPerSecond`: the polls spend slots of a real PacedXAssistBudget of that many a second, on
 * the fake clock (xassist.budget); unset, each is granted at once or as the test grants it.
 */
export async function trackerStack({
  budgetPerSecond,
}: { budgetPerSecond?: number } = {}): Promise<TrackerStack> {
  const stack = await callsStack({ logLevel: 'debug' });
  const { clock, calls, ledger, leases, log, metrics } = stack;
  const xassist = new InProcessXAssist();
  if (budgetPerSecond !== undefined)
    xassist.budget = new PacedXAssistBudget(
      budgetPerSecond,
      new MemoryRateLimiter(clock),
      clock,
      log.logger,
    );
  const { expertAnswerMs, technicianJoinMs, ...cadence } = TRACKER_TIMING;
  const config = {
    polling: { ...cadence, maxConcurrent: 4, slowAttemptMs: 1_000, notFoundPollsToFail: 3 },
    timeouts: { expertAnswerMs, technicianJoinMs },
  } as AppConfig;
  const sut = new CallTracker(config, log.logger, calls, ledger, xassist, metrics, clock, leases);
  stack.bus.on('call.committed', 'after-commit', (committed) => sut.committed(committed));

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

  async function plannedCall(startsInMs: number): Promise<CallRecord> {
    const xassistLog = ringErika(xassist);
    const call = aCreatingCall(clock.isoNow(), {
      id: `call-${xassistLog.callId}`,
      experts: [participant(people.erika)],
      plannedFor: new Date(clock.now() + startsInMs).toISOString(),
    });
    await ledger.insert(call, null, async () => undefined);
    const change = new CallChange(call, call.createdAt);
    change.transition('planned', { xassistCallId: xassistLog.callId });
    await ledger.record(change);
    return change.call;
  }

  async function advance(ms: number): Promise<void> {
    await clock.advance(ms);
    await sut.idle();
  }

  async function stop(): Promise<void> {
    xassist.releaseHanging();
    await sut.onApplicationShutdown();
    xassist.budget?.close();
    await stack.close();
  }

  const statusOf = async (call: CallRecord) => (await calls.find(call.id))!.status;
  return { ...stack, xassist, sut, ringingCall, plannedCall, advance, statusOf, stop };
}
