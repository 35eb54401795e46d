import type { Kysely } from 'kysely';
import { SettableClusterRole } from '../../test/support/cluster-role.js';
import { requirePostgres, type TestDatabase } from '../../test/support/environment.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { insertReportCalls, REPORT_DAY } from '../../test/support/report-calls.js';
import { loadConfig } from '../config/app-config.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { DELETE_BATCH as PRUNE_BATCH } from '../database/batched-delete.js';
import { EventRetention, PRUNE_INTERVAL_MS } from './event-retention.js';

const DAY = 86_400_000;
const postgres = await requirePostgres('event retention on PostgreSQL');
const databases = [
  { name: 'SQLite', open: async () => ({ url: 'sqlite::memory:', drop: async () => {} }) },
  ...(postgres ? [{ name: 'PostgreSQL', open: () => postgres.createDatabase() }] : []),
];

describe.each(databases)('EventRetention (RETENTION_DAYS) on $name', ({ open }) => {
  let database: TestDatabase;
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let role: SettableClusterRole;
  let sut: EventRetention;
  const call = REPORT_DAY[0]!;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function addEvents(fromSeq: number, count: number, at: number, type = 'status.ringing') {
    const rows = Array.from({ length: count }, (_, index) => ({
      call_id: call.id,
      seq: fromSeq + index,
      type,
      at: iso(at),
      status: 'ringing',
      xassist_json: null,
    }));
    for (let start = 0; start < rows.length; start += 500)
      await db
        .insertInto('call_events')
        .values(rows.slice(start, start + 500))
        .execute();
  }
  const eventTypes = async () =>
    (await db.selectFrom('call_events').select(['seq', 'type']).orderBy('seq').execute()).map(
      (row) => `${row.seq} ${row.type}`,
    );

  beforeEach(async () => {
    database = await open();
    db = openDatabase(database.url).db;
    await migrateToLatest(db);
    await insertReportCalls(db, [call]);
    clock = new FakeClock();
    role = new SettableClusterRole(true);
    sut = new EventRetention(
      db,
      loadConfig({ RETENTION_DAYS: '30' }),
      capturedLogger('silent').logger,
      clock,
      role,
    );
  });
  afterEach(async () => {
    await sut.onApplicationShutdown();
    await db.destroy();
    await database.drop();
  });

  it('prunes events past the retention in batches; keeps wrap-ups, the call and what is recent', async () => {
    const now = clock.now();
    const old = now - 31 * DAY;
    await addEvents(1, 2 * PRUNE_BATCH + 5, old);
    await addEvents(5000, 1, old, 'wrap_up.submitted');
    await addEvents(5001, 1, old, 'rating.given');
    await addEvents(6000, 1, now - 29 * DAY);

    expect(await sut.prune()).toEqual({ callEvents: 2 * PRUNE_BATCH + 5 });
    expect(await eventTypes()).toEqual([
      '5000 wrap_up.submitted',
      '5001 rating.given',
      '6000 status.ringing',
    ]);
    const kept = await db.selectFrom('calls').select(['id', 'wrap_up_json']).execute();
    expect(kept).toEqual([{ id: call.id, wrap_up_json: expect.stringContaining('firstTimeFix') }]);
  });

  it('lets other work run between batches (SQLite answers synchronously: no batch loop may hold the process)', async () => {
    await addEvents(1, 3 * PRUNE_BATCH, clock.now() - 31 * DAY);
    const order: string[] = [];
    const pruning = sut.prune().then(() => order.push('pruned'));
    setImmediate(() => order.push('other work'));
    await pruning;
    expect(order).toEqual(['other work', 'pruned']);
  });

  it('runs on the leader at start and every interval on the clock; a follower prunes nothing until it leads', async () => {
    role = new SettableClusterRole(false);
    sut = new EventRetention(
      db,
      loadConfig({ RETENTION_DAYS: '30' }),
      capturedLogger('silent').logger,
      clock,
      role,
    );
    await addEvents(1, 3, clock.now() - 31 * DAY);
    sut.onApplicationBootstrap();
    await clock.advance(2 * PRUNE_INTERVAL_MS);
    await sut.idle();
    expect(await eventTypes()).toHaveLength(3);

    role.setLeader(true);
    await clock.advance(0);
    await sut.idle();
    expect(await eventTypes()).toEqual([]);

    // A day later the next event has aged past the retention too: the next interval takes it.
    await addEvents(10, 1, clock.now() - 30 * DAY + PRUNE_INTERVAL_MS / 2);
    await clock.advance(PRUNE_INTERVAL_MS - 1);
    await sut.idle();
    expect(await eventTypes()).toEqual(['10 status.ringing']);
    await clock.advance(1);
    await sut.idle();
    expect(await eventTypes()).toEqual([]);
  });
});
