import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { CallChange } from '../src/calls/call-change.js';
import { CallLedger } from '../src/calls/call-ledger.service.js';
import { CallLeases } from '../src/calls/call-leases.js';
import type { CallRecord } from '../src/calls/call.model.js';
import { LeaseLostError } from '../src/calls/call.repository.js';
import { CallLeaseStore } from '../src/calls/kysely-call-lease.store.js';
import { KyselyCallRepository } from '../src/calls/kysely-call.repository.js';
import { NoOtherInstances } from '../src/cluster/cluster-signals.js';
import { SystemClock } from '../src/common/clock.js';
import { loadConfig } from '../src/config/app-config.js';
import { databaseNowMs } from '../src/database/cluster.schema.js';
import { prepareDatabase } from '../src/database/database.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { EventBus } from '../src/events/event-bus.js';
import { waitFor } from './support/broker-harness.js';
import { aCreatingCall } from './support/call-records.js';
import { brokerDatabases, type TestDatabase } from './support/environment.js';
import { capturedLogger } from './support/log-capture.js';

const CALLS = 200;
const LEASE_TTL_MS = 1000;

/** One broker instance as far as call leases go: its own connection, leases, bus and ledger. */
interface Instance {
  id: string;
  db: Kysely<BrokerDatabase>;
  leases: CallLeases;
  ledger: CallLedger;
  calls: KyselyCallRepository;
}

/**
 * Two instances sharing one database's call leases: claims never give a call to both, a lapsed
 * lease goes to the other with the next epoch, and the old holder's commit is refused
 * (PostgreSQL: FOR UPDATE SKIP LOCKED and FOR SHARE; SQLite: its one writer).
 */
describe.each(await brokerDatabases('call leases'))(
  'call leases of two instances on $name',
  ({ name, create }) => {
    let database: TestDatabase | undefined;
    let dir: string;
    let a: Instance;
    let b: Instance;
    const { logger } = capturedLogger('silent');
    const now = databaseNowMs(name === 'PostgreSQL' ? 'postgres' : 'sqlite');

    async function instance(id: string, url: string): Promise<Instance> {
      const db = await prepareDatabase(url);
      const base = loadConfig({ BROKER_MODE: 'demo' });
      const config = {
        ...base,
        cluster: {
          ...base.cluster,
          redisUrl: 'redis://127.0.0.1:6379', // one of several (never connected here)
          instanceId: id,
          leaseTtlMs: LEASE_TTL_MS,
          heartbeatMs: Math.floor(LEASE_TTL_MS / 3),
        },
      };
      const store = new CallLeaseStore(db);
      const signals = new NoOtherInstances();
      const leases = new CallLeases(config, logger, store, new SystemClock(), signals);
      const bus = new EventBus(logger);
      bus.on('call.created', 'in-transaction', (created, trx) => leases.claimCreated(created, trx));
      bus.on('call.created', 'after-commit', (created) => leases.created(created));
      bus.on('call.ended', 'in-transaction', (ended, trx) => leases.endLease(ended, trx));
      const calls = new KyselyCallRepository(db);
      return { id, db, leases, calls, ledger: new CallLedger(calls, bus) };
    }

    /** The instance registry as the other instances' heartbeats leave it: these are alive. */
    async function alive(...instances: Instance[]): Promise<void> {
      await a.db.deleteFrom('broker_instances').execute();
      for (const { id } of instances) {
        await a.db
          .insertInto('broker_instances')
          .values({
            id,
            host: 'h',
            pid: 1,
            several: 1,
            started_at_ms: now,
            heartbeat_at_ms: sql`${now} + 60000`,
          })
          .execute();
      }
    }

    /** A call `by` created and saw ring: its lease is `by`'s, epoch 1. */
    async function ringingCall(by: Instance, id: string): Promise<CallRecord> {
      const call = aCreatingCall(new Date().toISOString(), { id });
      await by.ledger.insert(call, null, async () => undefined);
      const change = new CallChange(call, call.createdAt);
      change.transition('ringing', { xassistCallId: `x-${id}` });
      await by.ledger.record(change, by.leases.fence(id));
      return change.call;
    }

    const leaseRow = (callId: string) =>
      a.db
        .selectFrom('call_leases')
        .select(['owner', 'epoch'])
        .where('call_id', '=', callId)
        .executeTakeFirst();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'call-leases-'));
      database = await create?.();
      const url = database?.url ?? `sqlite:${join(dir, 'leases.db')}`;
      a = await instance('broker-a', url);
      b = await instance('broker-b', url);
    });

    afterAll(async () => {
      await a?.db.destroy();
      await b?.db.destroy();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      await a.db.deleteFrom('call_leases').execute();
      await a.db.deleteFrom('calls').execute();
      for (const { leases } of [a, b]) await leases.stop();
    });

    it(`gives each of ${CALLS} unleased calls to exactly one of two racing instances, half each`, async () => {
      await alive(a, b);
      // Calls from before leases existed: no lease row; each heartbeat adds the missing ones.
      for (let n = 0; n < CALLS; n++)
        await a.calls.insert(aCreatingCall(new Date().toISOString(), { id: `race-${n}` }), null);
      const held = { a: new Set<string>(), b: new Set<string>() };
      await waitFor(
        async () => {
          const [beatA, beatB] = await Promise.all([a.leases.heartbeat(), b.leases.heartbeat()]);
          held.a = new Set(beatA.held);
          held.b = new Set(beatB.held);
          return held.a.size + held.b.size;
        },
        (total) => total >= CALLS,
      );
      expect([...held.a].filter((id) => held.b.has(id))).toEqual([]);
      expect(new Set([...held.a, ...held.b]).size).toBe(CALLS);
      expect([held.a.size, held.b.size]).toEqual([CALLS / 2, CALLS / 2]);
      const owners = await a.db
        .selectFrom('call_leases')
        .select(['owner', (eb) => eb.fn.countAll().as('n')])
        .groupBy('owner')
        .orderBy('owner')
        .execute();
      expect(owners.map(({ owner, n }) => [owner, Number(n)])).toEqual([
        ['broker-a', CALLS / 2],
        ['broker-b', CALLS / 2],
      ]);
    });

    it(`never gives one call to two claims asking at once for all ${CALLS} free leases`, async () => {
      for (let n = 0; n < CALLS; n++) {
        const id = `free-${n}`;
        await a.calls.insert(aCreatingCall(new Date().toISOString(), { id }), null);
        await a.db
          .insertInto('call_leases')
          .values({ call_id: id, owner: null, epoch: 0, expires_at_ms: now })
          .execute();
      }
      const stores = [new CallLeaseStore(a.db), new CallLeaseStore(b.db)];
      const claimed: string[][] = [[], []];
      for (let round = 0; claimed[0].length + claimed[1].length < CALLS && round < 10; round++) {
        const won = await Promise.all(
          stores.map((store, i) => store.claim(['broker-a', 'broker-b'][i], CALLS, 60_000)),
        );
        won.forEach((leases, i) => claimed[i].push(...leases.map((lease) => lease.callId)));
      }
      expect(claimed[0].filter((id) => claimed[1].includes(id))).toEqual([]);
      expect(new Set(claimed.flat()).size).toBe(CALLS);
      const epochs = await a.db.selectFrom('call_leases').select('epoch').distinct().execute();
      expect(epochs.map((row) => Number(row.epoch))).toEqual([1]);
    });

    it('hands a lapsed lease to the other instance with the next epoch; the old holder may not commit', async () => {
      await alive(b); // broker-a stopped renewing (paused, or killed)
      const call = await ringingCall(a, 'paused-1');
      expect(await leaseRow(call.id)).toEqual({ owner: 'broker-a', epoch: 1 });
      const won = await waitFor(
        async () => (await b.leases.heartbeat()).won,
        (ids) => ids.includes(call.id),
      );
      expect(won).toEqual([call.id]);
      expect(await leaseRow(call.id)).toEqual({ owner: 'broker-b', epoch: 2 });

      // broker-a wakes up with a poll result for the call: its seq is still current, its lease not.
      const joined = new CallChange(call, new Date().toISOString());
      joined.transition('expert_joined', { joinedExpertId: 'erika' });
      await expect(a.ledger.record(joined, a.leases.fence(call.id))).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(await a.calls.find(call.id)).toMatchObject({ status: 'ringing', seq: call.seq });
      expect(await a.calls.events(call.id, 0, 10)).toHaveLength(1);
      // The same change under the new holder's lease commits: only the lease refused it.
      await b.ledger.record(joined, b.leases.fence(call.id));
      expect(await b.calls.find(call.id)).toMatchObject({ status: 'expert_joined', seq: 2 });
      expect((await a.leases.heartbeat()).lost).toEqual([call.id]);
    });

    it('refuses a commit whose lease lapsed even though nobody has taken it yet', async () => {
      await alive(a, b);
      const call = await ringingCall(a, 'paused-2');
      await a.db
        .updateTable('call_leases')
        .set({ expires_at_ms: sql`${now} - 1` })
        .where('call_id', '=', call.id)
        .execute();
      const joined = new CallChange(call, new Date().toISOString());
      joined.transition('expert_joined', { joinedExpertId: 'erika' });
      await expect(a.ledger.record(joined, a.leases.fence(call.id))).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(await a.calls.find(call.id)).toMatchObject({ status: 'ringing', seq: call.seq });
      // Renewed before anyone took it: still broker-a's, at the same epoch, and it commits.
      await a.leases.heartbeat();
      await a.ledger.record(joined, a.leases.fence(call.id));
      expect(await leaseRow(call.id)).toEqual({ owner: 'broker-a', epoch: 1 });
    });

    it('deletes the lease when the call ends, and hands every lease back at shutdown', async () => {
      await alive(a, b);
      const ending = await ringingCall(a, 'ends');
      const staying = await ringingCall(a, 'stays');
      const cancel = new CallChange(ending, new Date().toISOString());
      cancel.transition('cancelled');
      await a.ledger.record(cancel); // over REST: guarded by seq only
      expect(await leaseRow(ending.id)).toBeUndefined();
      await a.leases.stop();
      expect(await leaseRow(staying.id)).toEqual({ owner: null, epoch: 1 });
      const taken = await b.leases.heartbeat();
      expect(taken.won).toEqual([staying.id]);
    });
  },
);
