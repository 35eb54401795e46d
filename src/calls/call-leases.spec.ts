import { jest } from '@jest/globals';
import { sql } from 'kysely';
import { aCreatingCall } from '../../test/support/call-records.js';
import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { InProcessXAssist, ringErika } from '../../test/support/in-process-xassist.js';
import { participant, people } from '../../test/support/people.js';
import { RecordedSignals } from '../../test/support/cluster-role.js';
import { loadConfig, type AppConfig } from '../config/app-config.js';
import { databaseNowMs } from '../database/cluster.schema.js';
import { CallChange } from './call-change.js';
import type { CallRecord } from './call.model.js';
import { CallTracker } from './call-tracker.service.js';
import { CallLeaseStore } from './kysely-call-lease.store.js';

const RINGING_MS = 1000;
const HEARTBEAT_MS = 5000;
const NOW = databaseNowMs('sqlite');

/** One of several instances ('me'; REDIS_URL set), polling ringing calls every second. */
function severalConfig(several = true): AppConfig {
  const config = loadConfig({ BROKER_MODE: 'demo', POLL_INTERVAL_RINGING_MS: String(RINGING_MS) });
  return {
    ...config,
    cluster: {
      ...config.cluster,
      redisUrl: several ? 'redis://127.0.0.1:6379' : undefined,
      instanceId: 'me',
      leaseTtlMs: 3 * HEARTBEAT_MS,
      heartbeatMs: HEARTBEAT_MS,
    },
  };
}

describe('CallLeases and the CallTracker on a fake clock', () => {
  let stack: CallsStack;
  let signals: RecordedSignals;
  let xassist: InProcessXAssist;
  let sut: CallTracker;

  async function start(several = true): Promise<void> {
    signals = new RecordedSignals();
    stack = await callsStack({ config: severalConfig(several), signals, logLevel: 'debug' });
    xassist = new InProcessXAssist();
    const { config, log, calls, ledger, metrics, clock, leases } = stack;
    sut = new CallTracker(config, log.logger, calls, ledger, xassist, metrics, clock, leases);
    stack.bus.on('call.committed', 'after-commit', (committed) => sut.committed(committed));
  }

  afterEach(async () => {
    xassist.releaseHanging();
    await sut.onApplicationShutdown();
    await stack.close();
  });

  /** A call ringing on xAssist; its lease made here (ours), or held by `owner` with epoch 1. */
  async function ringingCall(owner?: string): Promise<CallRecord> {
    const xassistLog = ringErika(xassist);
    const call = aCreatingCall(stack.clock.isoNow(), {
      id: `call-${xassistLog.callId}`,
      experts: [participant(people.erika)],
    });
    if (owner === undefined) await stack.ledger.insert(call, null, async () => undefined);
    else {
      await stack.calls.insert(call, null);
      await stack.db
        .insertInto('call_leases')
        .values({ call_id: call.id, owner, epoch: 1, expires_at_ms: sql`${NOW} + 60000` })
        .execute();
    }
    const change = new CallChange(call, call.createdAt);
    change.transition('ringing', { xassistCallId: xassistLog.callId });
    await stack.ledger.record(change);
    return change.call;
  }

  async function otherInstanceAlive(): Promise<void> {
    await stack.db
      .insertInto('broker_instances')
      .values({
        id: 'other',
        host: 'h',
        pid: 1,
        several: 1,
        started_at_ms: NOW,
        heartbeat_at_ms: NOW,
      })
      .execute();
  }

  async function advance(ms: number): Promise<void> {
    await stack.clock.advance(ms);
    await sut.idle();
  }

  const leaseOf = (call: CallRecord) =>
    stack.db
      .selectFrom('call_leases')
      .select(['owner', 'epoch', sql<number>`expires_at_ms <= ${NOW}`.as('lapsed')])
      .where('call_id', '=', call.id)
      .executeTakeFirst();
  const pollsOf = (call: CallRecord) => xassist.pollsOf(call.xassistCallId!);

  it('follows only the calls whose lease it holds', async () => {
    await start();
    await otherInstanceAlive();
    const theirs = [await ringingCall('other'), await ringingCall('other')];
    const ours = await ringingCall();
    await sut.onApplicationBootstrap();
    await advance(RINGING_MS);
    expect(sut.followedCount).toBe(1);
    expect(pollsOf(ours)).toBeGreaterThan(1);
    expect(theirs.map(pollsOf)).toEqual([0, 0]);
  });

  it('claims free leases up to its fair share at a heartbeat, with the next epoch', async () => {
    await start();
    await otherInstanceAlive();
    const theirs = [];
    for (let i = 0; i < 4; i++) theirs.push(await ringingCall('other'));
    await sut.onApplicationBootstrap();
    expect(sut.followedCount).toBe(0);
    await stack.db
      .updateTable('call_leases')
      .set({ owner: null })
      .where('call_id', '<>', theirs[0].id)
      .execute();
    await advance(HEARTBEAT_MS);
    expect(sut.followedCount).toBe(2); // 4 calls, 2 instances
    const leases = await Promise.all(theirs.map(leaseOf));
    expect(leases.filter((lease) => lease?.owner === 'me')).toEqual([
      expect.objectContaining({ epoch: 2 }),
      expect.objectContaining({ epoch: 2 }),
    ]);
    expect(leases.filter((lease) => lease?.owner === null)).toHaveLength(1);
  });

  it('gives up the calls beyond its share when another instance comes, and stops polling them', async () => {
    await start();
    const ours = [];
    for (let i = 0; i < 4; i++) ours.push(await ringingCall());
    await sut.onApplicationBootstrap();
    expect(sut.followedCount).toBe(4);
    await otherInstanceAlive();
    await advance(HEARTBEAT_MS);
    expect(sut.followedCount).toBe(2);
    const released = [];
    for (const call of ours) if ((await leaseOf(call))?.owner === null) released.push(call);
    expect(released).toHaveLength(2);
    const polls = released.map(pollsOf);
    await advance(3 * RINGING_MS);
    expect(released.map(pollsOf)).toEqual(polls);
  });

  it("claims a leaving instance's calls as soon as it says it handed them back, counting it out", async () => {
    await start();
    await otherInstanceAlive();
    const theirs = [];
    for (let i = 0; i < 4; i++) theirs.push(await ringingCall('other'));
    await sut.onApplicationBootstrap();
    expect(sut.followedCount).toBe(0);
    // 'other' shuts down: its leases are handed back, its registry row not yet gone.
    await stack.db.updateTable('call_leases').set({ owner: null }).execute();
    signals.deliver('call-leases.released', { instanceId: 'other', leaving: true });
    await advance(0);
    expect(sut.followedCount).toBe(4); // all of them, at once: 'other' no longer counts
    expect(theirs.map(pollsOf)).toEqual([1, 1, 1, 1]); // each polled as soon as followed
  });

  it('tells the others when it gives leases back, so they need not wait for their heartbeat', async () => {
    await start();
    const ours = [];
    for (let i = 0; i < 2; i++) ours.push(await ringingCall());
    await sut.onApplicationBootstrap();
    await otherInstanceAlive();
    await advance(HEARTBEAT_MS);
    expect(signals.published).toContainEqual({
      topic: 'call-leases.released',
      payload: { instanceId: 'me', leaving: false },
    });
    await sut.onApplicationShutdown();
    expect(signals.published).toContainEqual({
      topic: 'call-leases.released',
      payload: { instanceId: 'me', leaving: true },
    });
  });

  it('stops polling a call whose lease another instance took, at the next renewal', async () => {
    await start();
    const call = await ringingCall();
    await sut.onApplicationBootstrap();
    await stack.db
      .updateTable('call_leases')
      .set({ owner: 'other', epoch: 2 })
      .where('call_id', '=', call.id)
      .execute();
    await advance(HEARTBEAT_MS);
    expect(sut.followedCount).toBe(0);
    const polls = pollsOf(call);
    await advance(3 * RINGING_MS);
    expect(pollsOf(call)).toBe(polls);
  });

  it('stops following its calls once its last renewal is older than its lease, while renewals fail', async () => {
    await start();
    const call = await ringingCall();
    await sut.onApplicationBootstrap(); // renewed now: the lease lasts LEASE_TTL_MS - one heartbeat
    const renew = jest
      .spyOn(CallLeaseStore.prototype, 'renew')
      .mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    try {
      await advance(HEARTBEAT_MS); // one renewal failed: the lease still runs
      expect(sut.followedCount).toBe(1);
      await advance(HEARTBEAT_MS); // the lease ran out: another instance may take the call now
      expect(sut.followedCount).toBe(0);
      const polls = pollsOf(call);
      await advance(3 * RINGING_MS);
      expect(pollsOf(call)).toBe(polls);
    } finally {
      renew.mockRestore();
    }
    await advance(HEARTBEAT_MS); // the database is back and nobody took it: followed again
    expect(sut.followedCount).toBe(1);
  });

  it('hands every lease back at shutdown, for the others to take at once', async () => {
    await start();
    const calls = [await ringingCall(), await ringingCall()];
    await sut.onApplicationBootstrap();
    await sut.onApplicationShutdown();
    for (const call of calls)
      expect(await leaseOf(call)).toEqual({ owner: null, epoch: 1, lapsed: 1 });
  });

  it('refuses a commit whose lease lapsed, unfollows the call, and follows it again once renewed', async () => {
    await start();
    const call = await ringingCall();
    await sut.onApplicationBootstrap();
    await sut.idle(); // its first poll, at once, committed what xAssist had
    const { seq } = (await stack.calls.find(call.id))!;
    // Paused past the lease: nobody else took it yet, but this instance may not commit.
    await stack.db
      .updateTable('call_leases')
      .set({ expires_at_ms: 0 })
      .where('call_id', '=', call.id)
      .execute();
    xassist.state.join(call.xassistCallId!, 'erika');
    await advance(RINGING_MS);
    expect(await stack.calls.find(call.id)).toMatchObject({ status: 'ringing', seq });
    expect(sut.followedCount).toBe(0);
    expect((await stack.metrics.callCommitsFenced.get()).values[0].value).toBe(1);
    expect(stack.log.lines.filter((line) => line.includes('lost the lease'))).toHaveLength(1);
    await advance(HEARTBEAT_MS); // still ours: renewed, followed again
    expect(sut.followedCount).toBe(1);
    await advance(RINGING_MS);
    expect((await stack.calls.find(call.id))!.status).toBe('expert_joined');
  });

  it('reloads a call another instance changed when told, and stops polling it if it ended', async () => {
    await start();
    const ringing = await ringingCall();
    await sut.onApplicationBootstrap();
    await sut.idle(); // its first poll, at once, committed what xAssist had
    const call = (await stack.calls.find(ringing.id))!;
    expect(signals.published).toContainEqual({
      topic: 'call.changed',
      payload: { callId: call.id, seq: call.seq },
    });
    // Cancelled over REST on another instance: its commit, not this one's bus.
    const cancel = new CallChange(call, stack.clock.isoNow());
    cancel.transition('cancelled');
    await stack.calls.commit(cancel.call, call.seq, cancel.events, []);
    signals.deliver('call.changed', { callId: call.id, seq: cancel.call.seq });
    await sut.idle();
    expect(sut.followedCount).toBe(0);
    const polls = pollsOf(call);
    await advance(3 * RINGING_MS);
    expect(pollsOf(call)).toBe(polls);
  });

  it('follows a call whose creator died once its lease lapsed, and it was adopted as ringing', async () => {
    await start();
    await sut.onApplicationBootstrap();
    const xassistLog = ringErika(xassist);
    const call = aCreatingCall(stack.clock.isoNow(), {
      id: 'orphan',
      experts: [participant(people.erika)],
    });
    await stack.calls.insert(call, null); // the dead creator's call, lease lapsed
    await stack.db
      .insertInto('call_leases')
      .values({
        call_id: call.id,
        owner: 'dead-instance',
        epoch: 1,
        expires_at_ms: sql`${NOW} - 1`,
      })
      .execute();
    const adopted = new CallChange(call, call.createdAt); // the CreationReconciler, here
    adopted.transition('ringing', { xassistCallId: xassistLog.callId });
    await stack.ledger.record(adopted);
    expect(sut.followedCount).toBe(0);
    await advance(HEARTBEAT_MS);
    expect(sut.followedCount).toBe(1);
    expect(await leaseOf(call)).toMatchObject({ owner: 'me', epoch: 2 });
    expect(xassist.pollsOf(xassistLog.callId)).toBe(1); // at once
  });

  it('alone on its database, takes every lease at start-up, even one a dead instance held', async () => {
    await start(false);
    const orphan = await ringingCall('dead-instance');
    await sut.onApplicationBootstrap();
    expect(sut.followedCount).toBe(1);
    expect(await leaseOf(orphan)).toMatchObject({ owner: 'me', epoch: 2 });
  });
});
