import type { Kysely } from 'kysely';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { CallUpdatesBus } from '../calls/call-updates.bus.js';
import { loadConfig, type AppConfig } from '../config/app-config.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OutboxStore } from './kysely-outbox.store.js';
import { OutboxDispatcher, type OutboxSender } from './outbox-dispatcher.service.js';
import { OutboxMetrics } from './outbox-metrics.js';
import type { AttemptOutcome, Delivery, OutboxMessage } from './outbox.model.js';

const message = (id: string, callId: string, seq: number): OutboxMessage => ({
  id,
  destinationKind: 'webhook',
  destinationId: 'hook-1',
  ownerId: 'erp',
  callId,
  seq,
  position: 0,
  eventType: 'call.status_changed',
  payload: '{}',
});

/** A sender whose answers the test scripts; it records what it was asked to deliver. */
class ScriptedSender implements OutboxSender {
  readonly sent: string[] = [];
  readonly answers: AttemptOutcome[] = [];
  readonly goneCalls: string[][] = [];

  async gone(destinationId: string, reason: string): Promise<void> {
    this.goneCalls.push([destinationId, reason]);
  }

  async deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome> {
    await paced();
    this.sent.push(delivery.id);
    return this.answers.shift() ?? { status: 'sent' };
  }
}

describe('OutboxDispatcher', () => {
  let db: Kysely<BrokerDatabase>;
  let store: OutboxStore;
  let clock: FakeClock;
  let sender: ScriptedSender;
  let sut: OutboxDispatcher;
  let config: AppConfig;

  beforeEach(async () => {
    ({ db } = openDatabase('sqlite::memory:'));
    await migrateToLatest(db);
    store = new OutboxStore(db);
    clock = new FakeClock();
    config = loadConfig({
      BROKER_MODE: 'demo',
      WEBHOOK_RETRY_BASE_MS: '1000',
      WEBHOOK_RETRY_MAX_MS: '4000',
      WEBHOOK_MAX_ATTEMPTS: '3',
      OUTBOX_LEASE_MS: '30000',
      OUTBOX_POLL_INTERVAL_MS: '500',
    });
    const { logger } = capturedLogger('silent');
    sender = new ScriptedSender();
    const metrics = new OutboxMetrics(new MetricsService(), store);
    sut = new OutboxDispatcher(store, clock, metrics, new CallUpdatesBus(logger), config, logger);
    sut.registerSender('webhook', sender);
  });
  afterEach(async () => {
    await sut.stop();
    await db.destroy();
  });

  const add = (...messages: OutboxMessage[]) =>
    db.transaction().execute((trx) => store.add(trx, messages, clock.isoNow()));

  it("delivers a call's rows in seq order, and another call's alongside", async () => {
    await add(message('b2', 'b', 2), message('a2', 'a', 2), message('a1', 'a', 1));
    sut.start();
    await clock.advance(1_000);
    expect(sender.sent.indexOf('a1')).toBeLessThan(sender.sent.indexOf('a2'));
    expect(sender.sent.sort()).toEqual(['a1', 'a2', 'b2']);
  });

  it('retries with backoff, holds later rows back meanwhile, and dead-letters after the last attempt', async () => {
    sender.answers.push(
      { status: 'retry', afterMs: 0, reason: '503' },
      { status: 'retry', afterMs: 0, reason: '503' },
      { status: 'retry', afterMs: 0, reason: '503' },
    );
    await add(message('a1', 'a', 1), message('a2', 'a', 2));
    sut.start();
    await clock.advance(100);
    expect(sender.sent).toEqual(['a1']);
    await clock.advance(700); // the first retry is 1000 ± 20% away
    expect(sender.sent).toEqual(['a1']);
    await clock.advance(10_000);
    expect(sender.sent).toEqual(['a1', 'a1', 'a1', 'a2']);
    expect(await store.find('a1')).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'gave up after 3 attempts: 503',
    });
    expect((await store.find('a2'))?.status).toBe('delivered');
  });

  it('honours Retry-After beyond its own backoff', async () => {
    sender.answers.push({ status: 'retry', afterMs: 60_000, reason: '429' });
    await add(message('a1', 'a', 1));
    sut.start();
    await clock.advance(59_000);
    expect(sender.sent).toEqual(['a1']);
    await clock.advance(2_000);
    expect(sender.sent).toEqual(['a1', 'a1']);
  });

  it('takes over a row whose claim lapsed (the instance that claimed it died)', async () => {
    await add(message('a1', 'a', 1));
    const lease = new Date(clock.now() + 5_000).toISOString();
    expect(await store.claim(clock.isoNow(), lease, 10, 'dead-instance')).toHaveLength(1);
    sut.start();
    await clock.advance(4_000);
    expect(sender.sent).toEqual([]);
    await clock.advance(2_000);
    expect(sender.sent).toEqual(['a1']);
    expect((await store.find('a1'))?.status).toBe('delivered');
  });

  it('marks a row failed and tells the sender when the destination is gone', async () => {
    sender.answers.push({ status: 'gone', reason: '410' });
    await add(message('a1', 'a', 1));
    sut.start();
    await clock.advance(100);
    expect(sender.goneCalls).toEqual([['hook-1', '410']]);
    expect((await store.find('a1'))?.status).toBe('failed');
  });
});
