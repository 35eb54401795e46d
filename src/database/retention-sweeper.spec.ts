import type { Kysely } from 'kysely';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { outboxRow } from '../../test/support/outbox-rows.js';
import { migrateToLatest, openDatabase } from './database.js';
import { RetentionSweeper, SWEEP_INTERVAL_MS } from './retention-sweeper.js';
import type { BrokerDatabase } from './schema.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('RetentionSweeper (issue 18 item 8): prunes and wipes on the clock', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let sut: RetentionSweeper;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function addOutboxRow(
    id: string,
    status: 'pending' | 'delivered' | 'failed',
    deliveredAt: number | null,
  ) {
    const delivered = deliveredAt === null ? null : iso(deliveredAt);
    await db
      .insertInto('outbox')
      .values(outboxRow(id, status, iso(clock.now()), delivered))
      .execute();
  }

  async function failedCallWithMeeting(id: string, expiresAt: number) {
    const now = iso(clock.now());
    await db
      .insertInto('calls')
      .values({
        id,
        xassist_call_id: null,
        status: 'failed',
        title: 'Pump 7',
        reason: 'support',
        call_type: 'video',
        technician_id: 'tom',
        technician_json: '{}',
        experts_json: '[]',
        joined_expert_id: null,
        failure_reason: null,
        seq: 1,
        created_by: 'tom',
        anonymous_join_allowed: 0,
        description: null,
        external_ref: null,
        metadata_json: null,
        queue_id: null,
        priority: null,
        queued_at: null,
        accepted_by_id: null,
        escalations_json: null,
        fallback_json: JSON.stringify({
          provider: 'chatMessenger',
          url: 'https://cam.example/m/1',
          password: 'enc:v1:k1:sealed',
          expiresAt: iso(expiresAt),
        }),
        fallback_password_until: iso(expiresAt),
        created_at: now,
        ringing_at: null,
        expert_joined_at: null,
        connected_at: null,
        ended_at: now,
        updated_at: now,
      })
      .execute();
  }

  const outboxIds = async () =>
    (await db.selectFrom('outbox').select('id').orderBy('id').execute()).map((r) => r.id);
  const linkIds = async () =>
    (await db.selectFrom('accept_link_use').select('link_id').execute()).map((r) => r.link_id);
  const password = async (id: string) => {
    const row = await db
      .selectFrom('calls')
      .select(['fallback_json', 'fallback_password_until'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return [JSON.parse(row.fallback_json!).password, row.fallback_password_until];
  };
  async function advance(ms: number): Promise<void> {
    await clock.advance(ms);
    await sut.idle();
  }

  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
    clock = new FakeClock();
    sut = new RetentionSweeper(
      db,
      clock,
      { keys: [], outboxRetentionMs: 2 * HOUR, acceptLinkRetentionMs: HOUR, retentionDays: 400 },
      capturedLogger('silent').logger,
    );
  });
  afterEach(async () => {
    await sut.onModuleDestroy();
    await db.destroy();
  });

  it('runs at start-up and every interval; removes each thing once its time is up, nothing else', async () => {
    const start = clock.now();
    await addOutboxRow('a-delivered', 'delivered', start);
    await addOutboxRow('b-pending', 'pending', null);
    await addOutboxRow('c-failed', 'failed', null);
    await db
      .insertInto('accept_link_use')
      .values({ link_id: 'l1', call_id: 'c1', expert_id: 'erika', used_at: iso(start) })
      .execute();
    await failedCallWithMeeting('call-1', start + 30 * MINUTE);

    sut.onApplicationBootstrap();
    await advance(0);
    expect(clock.nextTimerAt).toBe(start + SWEEP_INTERVAL_MS);
    expect(await password('call-1')).toEqual(['enc:v1:k1:sealed', iso(start + 30 * MINUTE)]);

    await advance(30 * MINUTE - 1);
    expect((await password('call-1'))[0]).toBe('enc:v1:k1:sealed');
    await advance(1);
    // The sweep at 30 minutes: the meeting has just expired.
    expect(await password('call-1')).toEqual([null, null]);
    expect(await linkIds()).toEqual(['l1']);

    await advance(40 * MINUTE);
    expect(await linkIds()).toEqual([]);
    expect(await outboxIds()).toEqual(['a-delivered', 'b-pending', 'c-failed']);

    await advance(60 * MINUTE);
    expect(await outboxIds()).toEqual(['b-pending', 'c-failed']);
    const [call] = await db.selectFrom('calls').select('fallback_json').execute();
    expect(JSON.parse(call.fallback_json!)).toMatchObject({ url: 'https://cam.example/m/1' });
  });

  it('is the one pruner of outbox rows: a settled row past RETENTION_DAYS goes (a dead delivery kept for a retry by hand), a pending one never', async () => {
    sut = new RetentionSweeper(
      db,
      clock,
      { keys: [], outboxRetentionMs: 2 * HOUR, acceptLinkRetentionMs: HOUR, retentionDays: 30 },
      capturedLogger('silent').logger,
    );
    const old = iso(clock.now() - 31 * DAY);
    const recent = iso(clock.now() - DAY);
    await db
      .insertInto('outbox')
      .values([
        outboxRow('a-old-failed', 'failed', old),
        outboxRow('b-old-pending', 'pending', old),
        outboxRow('c-recent-failed', 'failed', recent),
      ])
      .execute();
    expect(await sut.sweep()).toMatchObject({ outboxRowsPruned: 1 });
    expect(await outboxIds()).toEqual(['b-old-pending', 'c-recent-failed']);
  });

  it('lets other work run between batches (SQLite answers synchronously: no batch loop may hold the process)', async () => {
    const old = iso(clock.now() - 3 * HOUR);
    const rows = Array.from({ length: 2_500 }, (_, index) =>
      outboxRow(`row-${index}`, 'delivered', old, old),
    );
    for (let start = 0; start < rows.length; start += 500)
      await db
        .insertInto('outbox')
        .values(rows.slice(start, start + 500))
        .execute();
    const order: string[] = [];
    const sweeping = sut.sweep().then(() => order.push('swept'));
    setImmediate(() => order.push('other work'));
    await sweeping;
    expect(order).toEqual(['other work', 'swept']);
    expect(await outboxIds()).toEqual([]);
  });

  it('keeps sweeping after a failed run, and stops with the module', async () => {
    sut.onApplicationBootstrap();
    await advance(0);
    await db.schema.dropTable('accept_link_use').execute();
    await advance(SWEEP_INTERVAL_MS);
    expect(clock.pendingTimers).toBe(1);
    await sut.onModuleDestroy();
    expect(clock.pendingTimers).toBe(0);
  });
});
