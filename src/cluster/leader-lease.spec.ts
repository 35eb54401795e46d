import type { Kysely } from 'kysely';
import { memoryDatabase } from '../../test/support/calls-stack.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import type { BrokerDatabase } from '../database/schema.js';
import { LeaderLease } from './leader-lease.js';
import { KyselyLeaseStore, type LeaseStore } from './leader-lease.store.js';

const TTL_MS = 3_000;
const HEARTBEAT_MS = 1_000;

/** The lease store on SQLite, made to fail on demand (the database away). */
class FailingStore implements LeaseStore {
  failing = false;

  constructor(readonly inner: KyselyLeaseStore) {}

  claim(owner: string, ttlMs: number, renewing: boolean): Promise<number | undefined> {
    if (this.failing) return Promise.reject(new Error('database away'));
    return this.inner.claim(owner, ttlMs, renewing);
  }

  handBack(owner: string): Promise<void> {
    return this.inner.handBack(owner);
  }
}

/** The leader lease on an in-memory SQLite database; its own clock is the fake one. */
describe('LeaderLease', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let store: FailingStore;
  let log: ReturnType<typeof capturedLogger>;
  const leases: LeaderLease[] = [];

  beforeEach(async () => {
    db = await memoryDatabase();
    clock = new FakeClock();
    store = new FailingStore(new KyselyLeaseStore(db, 'sqlite', 'leader'));
    log = capturedLogger('debug');
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.stop();
    await db.destroy();
  });

  function leaseOf(owner: string, on: LeaseStore = store) {
    const changes: boolean[] = [];
    const lease = new LeaderLease(
      on,
      { owner, leaseTtlMs: TTL_MS, heartbeatMs: HEARTBEAT_MS },
      clock,
      () => clock.now(),
      log.logger,
      (leader) => changes.push(leader),
    );
    leases.push(lease);
    return { lease, changes };
  }

  it('claims a free lease at start and keeps it, one epoch, while it renews', async () => {
    const { lease, changes } = leaseOf('a');
    await lease.start();
    expect(lease.isLeader()).toBe(true);
    await clock.advance(10 * HEARTBEAT_MS);
    expect(lease.isLeader()).toBe(true);
    expect(changes).toEqual([true]);
    expect(await store.inner.holder()).toMatchObject({ owner: 'a', epoch: 1 });
  });

  it('leaves a held lease to its holder, and takes it with a new epoch once handed back', async () => {
    const a = leaseOf('a');
    const b = leaseOf('b');
    await a.lease.start();
    await b.lease.start();
    await clock.advance(5 * HEARTBEAT_MS);
    expect(b.lease.isLeader()).toBe(false);
    expect(b.changes).toEqual([]);

    await a.lease.stop();
    expect(await store.inner.holder()).toMatchObject({ owner: null });
    await clock.advance(HEARTBEAT_MS);
    expect(b.lease.isLeader()).toBe(true);
    expect(b.changes).toEqual([true]);
    expect(await store.inner.holder()).toMatchObject({ owner: 'b', epoch: 2 });
  });

  it('loses the leadership at once when a renewal finds the lease taken', async () => {
    const { lease, changes } = leaseOf('a');
    await lease.start();
    // Another instance took it (this one stalled past the lease, say).
    await db
      .updateTable('leases')
      .set({ owner: 'b', epoch: 2, expires_at_ms: Date.now() + 60_000 })
      .execute();
    await clock.advance(HEARTBEAT_MS);
    expect(lease.isLeader()).toBe(false);
    expect(changes).toEqual([true, false]);
    expect(log.lines.join('\n')).toContain('another instance holds the leader lease');
  });

  it('stops acting as leader when its renewals fail for as long as the lease, not before', async () => {
    const { lease, changes } = leaseOf('a');
    await lease.start();
    store.failing = true;
    await clock.advance(TTL_MS - 1);
    expect(lease.isLeader()).toBe(true);
    expect(changes).toEqual([true]);
    await clock.advance(1);
    expect(lease.isLeader()).toBe(false);
    expect(changes).toEqual([true, false]);
    const failures = log.lines.filter((line) => line.includes('renewing the leader lease failed'));
    expect(failures).toHaveLength(1);

    store.failing = false;
    await clock.advance(HEARTBEAT_MS);
    expect(lease.isLeader()).toBe(true);
    expect(changes).toEqual([true, false, true]);
    expect(await store.inner.holder()).toMatchObject({ owner: 'a', epoch: 2 });
  });

  it('hands the lease back on shutdown', async () => {
    const { lease } = leaseOf('a');
    await lease.start();
    await lease.stop();
    expect(lease.isLeader()).toBe(false);
    const holder = await store.inner.holder();
    expect(holder?.owner).toBeNull();
    expect(holder!.expiresAtMs).toBeLessThanOrEqual(Date.now());
    expect(clock.pendingTimers).toBe(0);
  });
});
