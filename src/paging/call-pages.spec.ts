import { CallMetrics } from '../calls/call-metrics.js';
import type { Kysely } from 'kysely';
import { aCallRecord } from '../../test/support/call-records.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { CallChange } from '../calls/call-change.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import type { CallStatus } from '../calls/call-lifecycle.js';
import type { CallRecord } from '../calls/call.model.js';
import { KyselyCallRepository } from '../calls/kysely-call.repository.js';
import { loadConfig, type AppConfig } from '../config/app-config.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { directoryFrom } from '../directory/directory.module.js';
import { EventBus } from '../events/event-bus.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { PagingRule } from '../notifications/channels-document.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import { CallPages } from './call-pages.js';
import { PageFairness } from './page-fairness.js';
import { PagingService } from './paging.service.js';

const xassist = (userDbId: number) => ({ userId: `u${userDbId}`, userDbId, domain: 'acme' });
const directory = directoryFrom({
  people: [
    { id: 'tom', displayName: 'Tom', roles: ['technician'], xassist: xassist(12) },
    {
      id: 'erika',
      displayName: 'Erika',
      roles: ['expert'],
      skills: ['pumps'],
      xassist: xassist(8),
    },
    { id: 'sam', displayName: 'Sam', roles: ['supervisor'] },
  ],
  queues: [{ id: 'pumps', name: 'Pumps', skills: ['pumps'] }],
});

/** CallPages as the module wires it: an in-transaction handler of every committed call batch. */
describe('CallPages', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let calls: KyselyCallRepository;
  let ledger: CallLedger;
  let bus: EventBus;

  beforeEach(async () => {
    ({ db } = openDatabase('sqlite::memory:'));
    await migrateToLatest(db);
    clock = new FakeClock();
    calls = new KyselyCallRepository(db);
  });
  afterEach(() => db.destroy());

  function wire(rules: PagingRule[]): void {
    const { logger } = capturedLogger('silent');
    const loaded = loadConfig({ BROKER_MODE: 'demo' });
    const config = {
      ...loaded,
      paging: {
        ...loaded.paging,
        readChannelsFile: () => ({ channels: [], rules, fallback: null }),
      },
    } as unknown as AppConfig;
    const paging = new PagingService(directory, clock, config, logger);
    paging.load();
    const outbox = new OutboxStore(db);
    const sut = new CallPages(
      paging,
      outbox,
      new PageFairness(outbox, config),
      directory,
      clock,
      config,
    );
    bus = new EventBus(logger);
    bus.on('call.committed', 'in-transaction', (committed, trx) => sut.write(committed, trx));
    ledger = new CallLedger(calls, bus, new CallMetrics(new MetricsService()));
  }

  /** Inserts `creating` and commits each status in turn, as the call's life would. */
  async function live(fields: Partial<CallRecord>, ...statuses: CallStatus[]) {
    let call = aCallRecord({
      status: 'creating',
      xassistCallId: null,
      seq: 0,
      createdAt: clock.isoNow(),
      ringingAt: null,
      ...fields,
    });
    await ledger.insert(call, null, async () => undefined);
    for (const status of statuses) {
      const change = new CallChange(call, clock.isoNow());
      change.transition(status, status === 'queued' ? { queuedAt: clock.isoNow() } : {});
      await ledger.record(change);
      call = change.call;
    }
    return call;
  }
  const pages = () =>
    db
      .selectFrom('outbox')
      .select(['event_type', 'destination_id', 'status', 'payload', 'seq'])
      .orderBy('seq')
      .execute();
  const routed = { experts: [], queueId: 'pumps' };

  it('writes the queued page of a request entering its queue, mentioning its experts', async () => {
    wire([{ queue: 'pumps', channel: 'ops', on: ['queued'] }]);
    await live(routed, 'queued');
    const written = await pages();
    expect(written).toMatchObject([
      { event_type: 'page.queued', destination_id: 'ops', status: 'pending', seq: 1 },
    ]);
    const payload = JSON.parse(written[0].payload);
    expect(payload.title).toBe('Help wanted: t');
    expect(payload.mentions.map((m: { id: string }) => m.id)).toEqual(['erika']);
  });

  it('writes the ended page of a call that ended, with the summary', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['ended'] }]);
    await live({}, 'ringing', 'ended');
    const written = await pages();
    expect(written.map((page) => [page.event_type, page.seq])).toEqual([['page.ended', 2]]);
    expect(JSON.parse(written[0].payload).title).toBe('Call ended: t');
  });

  it('supersedes the queued page of a request cancelled before it went out, and writes no ended page there', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['queued', 'ended'] }]);
    await live(routed, 'queued', 'cancelled');
    expect((await pages()).map((page) => [page.event_type, page.status])).toEqual([
      ['page.queued', 'superseded'],
    ]);
  });

  it('writes nothing for events no rule names, nor for another queue’s rule', async () => {
    wire([
      { queue: '*', channel: 'ops', on: ['unanswered'] },
      { queue: 'pumps', channel: 'pumps-room', on: ['queued'] },
    ]);
    await live({}, 'ringing', 'ended');
    expect(await pages()).toEqual([]);
  });

  it('writes the pages in the change’s transaction: a handler that fails after them rolls both back', async () => {
    wire([{ queue: 'pumps', channel: 'ops', on: ['queued'] }]);
    const call = await live(routed);
    bus.on('call.committed', 'in-transaction', async () => {
      throw new Error('a later handler failed');
    });
    const change = new CallChange(call, clock.isoNow());
    change.transition('queued', { queuedAt: clock.isoNow() });
    await expect(ledger.record(change)).rejects.toThrow('a later handler failed');
    expect(await pages()).toEqual([]);
    expect((await calls.find(call.id))?.status).toBe('creating');
  });
});
