import { aCreatingCall } from '../../test/support/call-records.js';
import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { SettableClusterRole } from '../../test/support/cluster-role.js';
import { participant, people } from '../../test/support/people.js';
import { CONNECTOR } from '../../test/support/scripted-xassist.js';
import { XAssistUnavailableError } from '../xassist/xassist.errors.js';
import { backToWaiting } from './call-creation.js';
import { CallChange } from './call-change.js';
import type { CallLedger } from './call-ledger.service.js';
import { FAILURE_REASON } from './call.errors.js';
import type { CallRecord } from './call.model.js';
import { StaleCallError, type CallRepository } from './call.repository.js';
import { CreationInterruptedError } from './creation-reconciler.js';
import { QueueAdmission } from './queue-admission.port.js';
import { xassistCallBody } from './xassist-call-body.js';

const ERIKA = participant(people.erika);
/** XAssist timeouts 3 s connect + 10 s request: a creation is over after 2 x 13 s. */
const DEADLINE_MS = 26_000;
/** How long the reconciler waits before asking xAssist again. */
const RETRY_MS = 5_000;
const NEXT_OPENING = '2026-11-24T08:00:00.000+01:00';

/** Routing's admission, faked: a request to `night` ends closed, any other waits queued. */
class RecordingAdmission extends QueueAdmission {
  /** The calls enqueue was asked for, in order. */
  readonly enqueued: string[] = [];
  /** Runs once, in the next enqueue before it commits: another instance getting there first. */
  rival?: () => Promise<unknown>;

  constructor(
    private readonly ledger: () => CallLedger,
    private readonly calls: () => CallRepository,
  ) {
    super();
  }
  assertMayAsk(): void {}
  async admit(): Promise<void> {}
  async enqueue(call: CallRecord): Promise<CallRecord> {
    this.enqueued.push(call.id);
    const rival = this.rival;
    this.rival = undefined;
    await rival?.();
    const change = new CallChange(call, call.createdAt);
    if (call.queueId === 'night') change.transition('closed', { nextOpensAt: NEXT_OPENING });
    else change.transition('queued', { queuedAt: call.createdAt });
    try {
      await this.ledger().record(change);
    } catch (error) {
      // The port's promise, as routing keeps it: another writer finished the admission first.
      if (!(error instanceof StaleCallError)) throw error;
      return (await this.calls().find(call.id)) ?? call;
    }
    return change.call;
  }
}

/** The reconciler on SQLite, a fake clock and a scripted xAssist whose listing the test sets. */
describe('CreationReconciler', () => {
  let stack: CallsStack;
  let { clock, calls, ledger, xassist, reconciler: sut } = {} as CallsStack;

  beforeEach(async () => {
    stack = await callsStack();
    ({ clock, calls, ledger, xassist, reconciler: sut } = stack);
  });
  afterEach(() => stack.close());

  /** A call a stopped broker left in `creating`, its row written `agoMs` before now. */
  async function leftCreating(id: string, agoMs: number, fields: Partial<CallRecord> = {}) {
    const at = new Date(clock.now() - agoMs).toISOString();
    const call = aCreatingCall(at, {
      id,
      title: `Pump ${id}`,
      experts: [ERIKA],
      callType: 'MESH',
      ...fields,
    });
    await calls.insert(call, null);
    return call;
  }
  /** The xAssist call the interrupted createCall made for `call`, created `afterMs` after its row. */
  const madeOnXAssist = (call: CallRecord, afterMs = 1_000) =>
    xassist.logFor(
      xassistCallBody(stack.directory, call, CONNECTOR),
      Date.parse(call.createdAt) + afterMs,
    );
  const stored = async (id: string) => (await calls.find(id))!;

  it('adopts the one matching xAssist call exactly at the creation deadline, not before', async () => {
    const call = await leftCreating('c1', 0);
    const log = madeOnXAssist(call);
    xassist.listed = [log];
    await sut.onApplicationBootstrap();
    expect(clock.nextTimerAt).toBe(Date.parse(call.createdAt) + DEADLINE_MS);

    await clock.advance(DEADLINE_MS - 1);
    expect(xassist.searches).toBe(0);
    expect((await stored('c1')).status).toBe('creating');

    await clock.advance(1);
    await sut.reconcile(call); // the timer's reconciliation, shared: waits for it
    expect(xassist.searches).toBe(1);
    expect(await stored('c1')).toMatchObject({ status: 'ringing', xassistCallId: log.callId });
    expect(xassist.created).toHaveLength(0); // adopted, never created twice
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails a call xAssist holds no match for, and one with several matches', async () => {
    const none = await leftCreating('none', DEADLINE_MS);
    const several = await leftCreating('several', DEADLINE_MS);
    xassist.listed = [madeOnXAssist(several, 500), madeOnXAssist(several, 900)];
    // Another call's xAssist call (a different title) is no match for `none`.
    expect(await sut.reconcile(none)).toMatchObject({
      status: 'failed',
      failureReason: FAILURE_REASON.notCreated,
    });
    expect(await sut.reconcile(several)).toMatchObject({
      status: 'failed',
      failureReason: FAILURE_REASON.ambiguous,
    });
    expect(await stored('none')).toMatchObject({ status: 'failed', xassistCallId: null });
    expect(await stored('several')).toMatchObject({ status: 'failed', xassistCallId: null });
  });

  it('never adopts an xAssist call another broker call is linked to already', async () => {
    const call = await leftCreating('c2', DEADLINE_MS);
    const log = madeOnXAssist(call);
    xassist.listed = [log];
    const other = await leftCreating('other', DEADLINE_MS, { title: 'Other' });
    const linked = new CallChange(other, clock.isoNow());
    linked.transition('ringing', { xassistCallId: log.callId });
    await ledger.record(linked);
    expect(await sut.reconcile(call)).toMatchObject({
      status: 'failed',
      failureReason: FAILURE_REASON.notCreated,
    });
  });

  it('leaves younger calls alone until their own deadline', async () => {
    const old = await leftCreating('old', DEADLINE_MS + 1);
    const young = await leftCreating('young', 10_000);
    await sut.onApplicationBootstrap();
    await clock.advance(0);
    await sut.reconcile(old);
    expect((await stored('old')).status).toBe('failed');
    expect(xassist.searches).toBe(1);
    expect(await sut.reconcile(young)).toMatchObject({ status: 'creating' });
    expect(xassist.searches).toBe(1); // not due: xAssist was not even asked
    expect(clock.nextTimerAt).toBe(Date.parse(young.createdAt) + DEADLINE_MS);

    await clock.advance(DEADLINE_MS - 10_000);
    await sut.reconcile(young);
    expect((await stored('young')).status).toBe('failed');
    expect(xassist.searches).toBe(2);
  });

  it('asks again after a pause when xAssist cannot be reached, and leaves the call creating meanwhile', async () => {
    const call = await leftCreating('c3', DEADLINE_MS);
    xassist.searchFailures.push(new XAssistUnavailableError('503', true, 503));
    xassist.listed = [madeOnXAssist(call)];
    await sut.onApplicationBootstrap();
    await clock.advance(0);
    expect(xassist.searches).toBe(1);
    expect((await stored('c3')).status).toBe('creating');
    expect(clock.nextTimerAt).toBe(clock.now() + RETRY_MS);

    await clock.advance(RETRY_MS);
    await sut.reconcile(call);
    expect(xassist.searches).toBe(2);
    expect((await stored('c3')).status).toBe('ringing');
  });

  it('puts an interrupted accept xAssist never made back in its queue', async () => {
    const call = await leftCreating('routed', DEADLINE_MS, {
      queueId: 'pumps',
      acceptedById: 'erika',
      queuedAt: new Date(clock.now() - DEADLINE_MS).toISOString(),
    });
    expect(await sut.reconcile(call)).toMatchObject({
      status: 'queued',
      experts: [],
      acceptedById: null,
    });
    const events = (await calls.events('routed', 0, 10)).map((event) => event.type);
    expect(events).toEqual(['routing.accept_failed', 'status.queued']);
  });

  /**
   * An accept (or a taken callback) starts its creation when it commits `creating`, maybe long after
   * the request was made: its deadline and its xAssist call's time count from that commit.
   */
  describe('a creation that starts long after the request', () => {
    const LONG_AGO = 10 * 60_000;
    /** A request made LONG_AGO and queued then, accepted by erika `acceptedAgoMs` before now. */
    const acceptedLate = (id: string, acceptedAgoMs: number) =>
      leftCreating(id, LONG_AGO, {
        queueId: 'pumps',
        acceptedById: 'erika',
        queuedAt: new Date(clock.now() - LONG_AGO).toISOString(),
        updatedAt: new Date(clock.now() - acceptedAgoMs).toISOString(),
      });

    it('adopts the xAssist call an interrupted accept made, minutes after the request', async () => {
      const call = await acceptedLate('late', DEADLINE_MS);
      const made = madeOnXAssist(call, LONG_AGO - DEADLINE_MS + 1_000);
      xassist.listed = [made];
      expect(await sut.reconcile(call)).toMatchObject({
        status: 'ringing',
        xassistCallId: made.callId,
      });
    });

    it('leaves an accept still under way (another instance making it) alone until its own deadline', async () => {
      const call = await acceptedLate('fresh', 1_000);
      expect(await sut.reconcile(call)).toMatchObject({ status: 'creating' });
      expect(xassist.searches).toBe(0);
      await clock.advance(DEADLINE_MS - 1_000);
      expect(await sut.reconcile(call)).toMatchObject({ status: 'queued' });
      expect(xassist.searches).toBe(1);
    });

    it('puts an interrupted taken callback xAssist never made back among the callbacks, not in the queue', async () => {
      const asked = new Date(clock.now() - LONG_AGO).toISOString();
      const call = await leftCreating('callback', LONG_AGO, { queueId: 'pumps', experts: [] });
      const closed = new CallChange(call, asked);
      closed.transition('callback_pending');
      await ledger.record(closed);
      const taken = new CallChange(closed.call, new Date(clock.now() - DEADLINE_MS).toISOString());
      taken.transition('creating', { experts: [ERIKA], acceptedById: 'erika' });
      await ledger.record(taken);

      expect(await sut.reconcile(taken.call)).toMatchObject({
        status: 'callback_pending',
        experts: [],
        acceptedById: null,
        queuedAt: null,
      });
      const events = (await calls.events('callback', 0, 10)).map((event) => event.type);
      expect(events.slice(-2)).toEqual(['routing.accept_failed', 'status.callback_pending']);
    });
  });

  it('puts a taken callback back among the callbacks when its events were pruned: it never queued', async () => {
    const call = await leftCreating('pruned', DEADLINE_MS, {
      queueId: 'pumps',
      acceptedById: 'erika',
      queuedAt: null,
    });
    expect(await calls.events('pruned', 0, 10)).toEqual([]);
    expect(await sut.reconcile(call)).toMatchObject({
      status: 'callback_pending',
      acceptedById: null,
    });
  });

  it('leaves a newer creation alone: the accept it reconciles was put back and accepted anew meanwhile', async () => {
    const call = await leftCreating('again', DEADLINE_MS, {
      queueId: 'pumps',
      acceptedById: 'erika',
      queuedAt: new Date(clock.now() - DEADLINE_MS).toISOString(),
    });
    let anew: CallRecord | undefined;
    xassist.duringSearch = async () => {
      const back = backToWaiting(call, clock.isoNow(), 'queued');
      await ledger.record(back);
      await clock.advance(1_000);
      const accepted = new CallChange(back.call, clock.isoNow());
      accepted.transition('creating', { experts: [ERIKA], acceptedById: 'erika' });
      await ledger.record(accepted);
      anew = accepted.call;
    };
    expect(await sut.reconcile(call)).toMatchObject({ status: 'creating', seq: anew!.seq });
    const types = (await calls.events('again', 0, 10)).map((event) => event.type);
    expect(types).toEqual(['routing.accept_failed', 'status.queued', 'status.creating']);
  });

  it('fails an interrupted admission when no routing is there to finish it, without asking xAssist', async () => {
    const call = await leftCreating('unrouted', DEADLINE_MS, { queueId: 'pumps', experts: [] });
    const failed = await sut.reconcile(call);
    expect(failed).toMatchObject({ status: 'failed', failureReason: FAILURE_REASON.notAdmitted });
    expect(CreationInterruptedError.isInterrupted(failed)).toBe(true);
    expect(xassist.searches).toBe(0);
  });

  /**
   * A routed request whose row was written but never queued (the broker stopped, or the enqueue
   * failed, between the two): routing finishes it as it would have, xAssist is not asked.
   */
  describe('an interrupted admission', () => {
    let admission: RecordingAdmission;
    const eventsOf = async (id: string) =>
      (await calls.events(id, 0, 10)).map((event) => event.type);
    const leftUnqueued = (id: string, queueId: string, agoMs: number) =>
      leftCreating(id, agoMs, { queueId, experts: [], queuedAt: null, acceptedById: null });

    beforeEach(async () => {
      await stack.close();
      admission = new RecordingAdmission(
        () => ledger,
        () => calls,
      );
      stack = await callsStack({ admission });
      ({ clock, calls, ledger, xassist, reconciler: sut } = stack);
    });

    it('is handed to the queue admission at the creation deadline: closed or queued as asked, never searched on xAssist', async () => {
      const night = await leftUnqueued('night-call', 'night', 0);
      const day = await leftUnqueued('day-call', 'pumps', 0);
      await sut.onApplicationBootstrap();
      await clock.advance(DEADLINE_MS - 1);
      expect(admission.enqueued).toEqual([]);

      await clock.advance(1);
      await sut.reconcile(night); // the timers' reconciliations, shared: waits for them
      await sut.reconcile(day);
      expect(admission.enqueued.sort()).toEqual(['day-call', 'night-call']);
      expect(await stored('night-call')).toMatchObject({
        status: 'closed',
        nextOpensAt: NEXT_OPENING,
        endedAt: night.createdAt,
      });
      expect(await stored('day-call')).toMatchObject({
        status: 'queued',
        queuedAt: day.createdAt,
      });
      expect(await eventsOf('night-call')).toEqual(['status.closed']);
      expect(await eventsOf('day-call')).toEqual(['status.queued']);
      expect(xassist.searches).toBe(0);
      expect(clock.pendingTimers).toBe(0);
    });

    it('answers a retry with the same Idempotency-Key as the admission decides', async () => {
      await leftUnqueued('retried', 'night', DEADLINE_MS);
      expect(await sut.settled('retried')).toMatchObject({
        status: 'closed',
        nextOpensAt: NEXT_OPENING,
      });
      expect(admission.enqueued).toEqual(['retried']);
      expect(xassist.searches).toBe(0);
    });

    it('loses a race with another instance enqueueing it at the same moment, and answers the call as that one left it', async () => {
      const call = await leftUnqueued('raced', 'night', DEADLINE_MS);
      admission.rival = () => admission.enqueue(call);
      expect(await sut.reconcile(call)).toMatchObject({
        status: 'closed',
        nextOpensAt: NEXT_OPENING,
      });
      expect(admission.enqueued).toEqual(['raced', 'raced']);
      expect(await eventsOf('raced')).toEqual(['status.closed']);
      expect(xassist.searches).toBe(0);
    });
  });

  /** Several instances: the reconciler is a once-per-cluster job, the leader's. */
  describe('with several instances', () => {
    let role: SettableClusterRole;

    beforeEach(async () => {
      await stack.close();
      role = new SettableClusterRole(false, true);
      stack = await callsStack({ role });
      ({ clock, calls, ledger, xassist, reconciler: sut } = stack);
    });

    it('leaves calls left in creating alone until it leads, then reconciles them', async () => {
      await leftCreating('c4', DEADLINE_MS);
      await sut.onApplicationBootstrap();
      await clock.advance(DEADLINE_MS);
      expect(xassist.searches).toBe(0);
      expect((await stored('c4')).status).toBe('creating');

      role.setLeader(true);
      await clock.advance(0);
      await sut.onApplicationShutdown(); // waits for the reconciliations under way
      expect(xassist.searches).toBe(1);
      expect((await stored('c4')).status).toBe('failed');
    });

    it('as the leader, looks again every creation timeout for calls another instance left', async () => {
      role.setLeader(true);
      await sut.onApplicationBootstrap();
      // Another instance writes the row after our scan, then stops before xAssist answers.
      const call = await leftCreating('c5', 0);
      await clock.advance(DEADLINE_MS - 1);
      expect(xassist.searches).toBe(0);
      await clock.advance(1);
      await sut.onApplicationShutdown(); // waits for the reconciliations under way
      expect(xassist.searches).toBe(1);
      expect((await stored(call.id)).status).toBe('failed');
    });

    it('drops what it scheduled when it stops leading', async () => {
      role.setLeader(true);
      await leftCreating('c6', 0);
      await sut.onApplicationBootstrap();
      expect(clock.pendingTimers).toBe(2); // c6 at its deadline, and the next scan
      role.setLeader(false);
      expect(clock.pendingTimers).toBe(0);
      await clock.advance(2 * DEADLINE_MS);
      expect(xassist.searches).toBe(0);
    });
  });
});
