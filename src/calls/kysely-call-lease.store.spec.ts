import { type Kysely } from 'kysely';
import { aCreatingCall } from '../../test/support/call-records.js';
import { memoryDatabase } from '../../test/support/calls-stack.js';
import { brokerDatabases, type TestDatabase } from '../../test/support/environment.js';
import { databaseNowMs } from '../database/cluster.schema.js';
import { prepareDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import type { CallStatus } from './call-lifecycle.js';
import { KyselyCallRepository } from './kysely-call.repository.js';
import { CallLeaseStore } from './kysely-call-lease.store.js';

const MINUTE_MS = 60_000;

/** Calls of each class with free leases: ringing ones, and the rest of the unfinished calls. */
const CALLS: Array<[string, CallStatus]> = [
  ['ringing-1', 'ringing'],
  ['joined-1', 'expert_joined'],
  ['ringing-2', 'ringing'],
  ['connected-1', 'connected'],
  ['queued-1', 'queued'],
];

describe.each(await brokerDatabases('call lease store'))(
  'CallLeaseStore on $name, by class',
  ({ name, create }) => {
    let database: TestDatabase | undefined;
    let db: Kysely<BrokerDatabase>;
    let store: CallLeaseStore;
    const now = databaseNowMs(name === 'PostgreSQL' ? 'postgres' : 'sqlite');

    beforeAll(async () => {
      database = await create?.();
      db = database ? await prepareDatabase(database.url) : await memoryDatabase();
      store = new CallLeaseStore(db);
    });

    afterAll(async () => {
      await db?.destroy();
      await database?.drop();
    });

    beforeEach(async () => {
      await db.deleteFrom('call_leases').execute();
      await db.deleteFrom('calls').execute();
      const calls = new KyselyCallRepository(db);
      for (const [id, status] of CALLS) {
        await calls.insert(aCreatingCall(new Date().toISOString(), { id, status }), null);
        await db
          .insertInto('call_leases')
          .values({ call_id: id, owner: null, epoch: 0, expires_at_ms: now })
          .execute();
      }
    });

    const owners = async () =>
      Object.fromEntries(
        (await db.selectFrom('call_leases').select(['call_id', 'owner']).execute()).map(
          ({ call_id, owner }) => [call_id, owner],
        ),
      );

    it('claims only leases of ringing calls when asked for ringing ones', async () => {
      const won = await store.claim('broker-a', 10, MINUTE_MS, false, 'ringing');
      expect(won.sort((x, y) => x.callId.localeCompare(y.callId))).toEqual([
        { callId: 'ringing-1', epoch: 1, leaseClass: 'ringing' },
        { callId: 'ringing-2', epoch: 1, leaseClass: 'ringing' },
      ]);
      expect(await owners()).toEqual({
        'ringing-1': 'broker-a',
        'ringing-2': 'broker-a',
        'joined-1': null,
        'connected-1': null,
        'queued-1': null,
      });
    });

    it('claims only leases of the other calls when asked for those, up to the limit', async () => {
      const won = await store.claim('broker-b', 2, MINUTE_MS, false, 'other');
      expect(won).toHaveLength(2);
      expect(won.every((lease) => lease.leaseClass === 'other')).toBe(true);
      expect(won.map((lease) => lease.callId)).not.toContain('ringing-1');
      const rest = await store.claim('broker-b', 10, MINUTE_MS, false, 'other');
      expect([...won, ...rest].map((lease) => lease.callId).sort()).toEqual([
        'connected-1',
        'joined-1',
        'queued-1',
      ]);
    });

    it('counts the unfinished calls of each class', async () => {
      expect(await store.countByClass()).toEqual({ ringing: 2, other: 3 });
    });

    it('renews with the class of each call as it is now', async () => {
      await store.claim('broker-a', 10, MINUTE_MS);
      await db
        .updateTable('calls')
        .set({ status: 'expert_joined' })
        .where('id', '=', 'ringing-1')
        .execute();
      const renewed = await store.renew('broker-a', MINUTE_MS);
      expect(
        Object.fromEntries(renewed.map(({ callId, leaseClass }) => [callId, leaseClass])),
      ).toEqual({
        'ringing-1': 'other',
        'ringing-2': 'ringing',
        'joined-1': 'other',
        'connected-1': 'other',
        'queued-1': 'other',
      });
      expect(await store.countByClass()).toEqual({ ringing: 1, other: 4 });
    });
  },
);
