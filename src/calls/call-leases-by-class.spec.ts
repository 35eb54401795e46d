import { sql } from 'kysely';
import { aCreatingCall } from '../../test/support/call-records.js';
import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { RecordedSignals } from '../../test/support/cluster-role.js';
import { loadConfig, type AppConfig } from '../config/app-config.js';
import { databaseNowMs } from '../database/cluster.schema.js';
import { CallChange } from './call-change.js';
import { CallLeases } from './call-leases.js';
import type { CallStatus } from './call-lifecycle.js';
import type { CallRecord } from './call.model.js';
import { CallLeaseStore, leaseClassOf } from './kysely-call-lease.store.js';

const NOW = databaseNowMs('sqlite');
const CALLS_PER_CLASS = 4;

/** Instance `id` of several (REDIS_URL set, never connected here). */
function configOf(id: string): AppConfig {
  const config = loadConfig({ BROKER_MODE: 'demo' });
  return {
    ...config,
    cluster: { ...config.cluster, redisUrl: 'redis://127.0.0.1:6379', instanceId: id },
  };
}

/** Where a call goes on its way to `status`, from `creating`. */
const PATH: Partial<Record<CallStatus, CallStatus[]>> = {
  ringing: ['ringing'],
  connected: ['ringing', 'expert_joined', 'connected'],
};

/**
 * Two instances, 'a' and 'b', with their call leases on one database and a fake clock: the
 * shares of the ringing calls and of the others are balanced apart, since both instances poll
 * within about equal shares of the request budget and ringing calls need the most of it.
 */
describe('CallLeases of two instances, balanced per class', () => {
  let stack: CallsStack;
  const signals = { a: new RecordedSignals(), b: new RecordedSignals() };
  let leases: { a: CallLeases; b: CallLeases };

  beforeEach(async () => {
    signals.a = new RecordedSignals();
    signals.b = new RecordedSignals();
    stack = await callsStack({ config: configOf('a'), signals: signals.a });
    const b = new CallLeases(
      configOf('b'),
      stack.logger,
      new CallLeaseStore(stack.db),
      stack.clock,
      signals.b,
    );
    leases = { a: stack.leases, b };
    for (const id of ['a', 'b'])
      await stack.db
        .insertInto('broker_instances')
        .values({
          id,
          host: 'h',
          pid: 1,
          several: 1,
          started_at_ms: NOW,
          heartbeat_at_ms: sql`${NOW} + 60000`,
        })
        .execute();
  });

  afterEach(async () => {
    for (const instance of Object.values(leases)) await instance.stop();
    await stack.close();
  });

  let made = 0;
  /** A call `owner` created (its lease, epoch 1), committed on to `status`. */
  async function callOf(owner: 'a' | 'b', status: CallStatus): Promise<CallRecord> {
    let call = aCreatingCall(stack.clock.isoNow(), { id: `call-${owner}-${++made}` });
    await stack.calls.insert(call, null);
    await stack.db
      .insertInto('call_leases')
      .values({ call_id: call.id, owner, epoch: 1, expires_at_ms: sql`${NOW} + 60000` })
      .execute();
    for (const next of PATH[status] ?? []) call = await commit(call, next);
    return call;
  }

  /** Committed as another instance's REST request or tracker would: guarded by seq only. */
  async function commit(call: CallRecord, status: CallStatus): Promise<CallRecord> {
    const change = new CallChange(call, stack.clock.isoNow());
    change.transition(
      status,
      status === 'ringing'
        ? { xassistCallId: `x-${call.id}` }
        : status === 'expert_joined'
          ? { joinedExpertId: 'erika' }
          : {},
    );
    await stack.ledger.record(change);
    return change.call;
  }

  /** One heartbeat of each instance, 'a' first, `rounds` times. */
  async function beats(rounds: number): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      await leases.a.heartbeat();
      await leases.b.heartbeat();
    }
  }

  /** How many calls of each class each instance holds, read from the database. */
  async function holdings(): Promise<Record<string, { ringing: number; other: number }>> {
    const rows = await stack.db
      .selectFrom('call_leases')
      .innerJoin('calls', 'calls.id', 'call_leases.call_id')
      .select(['call_leases.owner', 'calls.status'])
      .execute();
    const held: Record<string, { ringing: number; other: number }> = {};
    for (const { owner, status } of rows) {
      const mine = (held[owner ?? 'nobody'] ??= { ringing: 0, other: 0 });
      mine[leaseClassOf(status)]++;
    }
    return held;
  }

  const ownerOf = async () =>
    Object.fromEntries(
      (await stack.db.selectFrom('call_leases').select(['call_id', 'owner']).execute()).map(
        ({ call_id, owner }) => [call_id, owner],
      ),
    );
  const releases = () =>
    [...signals.a.published, ...signals.b.published].filter(
      ({ topic }) => topic === 'call-leases.released',
    ).length;

  async function aRingingBOthers(): Promise<CallRecord[]> {
    const ringing = [];
    for (let n = 0; n < CALLS_PER_CLASS; n++) ringing.push(await callOf('a', 'ringing'));
    for (let n = 0; n < CALLS_PER_CLASS; n++) await callOf('b', 'connected');
    return ringing;
  }

  it('gives each instance half the ringing calls and half the others, though each held its half of all calls', async () => {
    await aRingingBOthers();
    await beats(3);
    expect(await holdings()).toEqual({
      a: { ringing: CALLS_PER_CLASS / 2, other: CALLS_PER_CLASS / 2 },
      b: { ringing: CALLS_PER_CLASS / 2, other: CALLS_PER_CLASS / 2 },
    });
    const moved = await stack.db
      .selectFrom('call_leases')
      .select('epoch')
      .where('epoch', '>', 1)
      .execute();
    expect(moved.map(({ epoch }) => Number(epoch))).toEqual([2, 2, 2, 2]); // each moved once
  });

  it('moves a lease once when calls change class, not back and forth on every beat', async () => {
    await aRingingBOthers();
    await beats(3);
    const before = releases();
    const held = await ownerOf();
    const bRinging = (
      await stack.db.selectFrom('calls').select('id').where('status', '=', 'ringing').execute()
    ).filter(({ id }) => held[id] === 'b');
    expect(bRinging).toHaveLength(2);
    const answer = async (id: string) => {
      let call = (await stack.calls.find(id))!;
      for (const status of ['expert_joined', 'connected'] as const)
        call = await commit(call, status);
    };
    // 3 ringing calls ('a' 2, 'b' 1) and 5 others ('a' 2, 'b' 3): within the shares (2 and 3).
    await answer(bRinging[0].id);
    await beats(5);
    expect(await ownerOf()).toEqual(held);
    expect(releases()).toBe(before);
    // 2 ringing calls, both held by 'a', and 6 others ('b' 4): one of each class moves, once.
    await answer(bRinging[1].id);
    await beats(2);
    expect(await holdings()).toEqual({
      a: { ringing: 1, other: 3 },
      b: { ringing: 1, other: 3 },
    });
    expect(releases() - before).toBe(2);
    const settled = await ownerOf();
    await beats(5);
    expect(await ownerOf()).toEqual(settled);
    expect(releases() - before).toBe(2);
  });
});
