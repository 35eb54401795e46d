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

const message = (
  id: string,
  callId: string,
  seq: number,
  destinationId = 'hook-1',
): OutboxMessage => ({
  id,
  destinationKind: 'webhook',
  destinationId,
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

/** Per destination: answers at once, fails at once, or never answers (until `releaseHung`). */
class DestinationSender implements OutboxSender {
  readonly sent: Array<{ id: string; destinationId: string }> = [];
  readonly behaviour = new Map<string, 'ok' | 'fail' | 'hang'>();
  private readonly hung: Array<() => void> = [];

  get hanging(): number {
    return this.hung.length;
  }

  async gone(): Promise<void> {}

  async deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome> {
    await paced();
    this.sent.push({ id: delivery.id, destinationId: delivery.destinationId });
    const behaviour = this.behaviour.get(delivery.destinationId) ?? 'ok';
    if (behaviour === 'fail') return { status: 'retry', afterMs: 0, reason: 'refused' };
    if (behaviour === 'hang') {
      await new Promise<void>((resolve) => this.hung.push(resolve));
      return { status: 'retry', afterMs: 0, reason: 'the receiver did not answer in time' };
    }
    return { status: 'sent' };
  }

  to(destinationId: string): string[] {
    return this.sent.filter((s) => s.destinationId === destinationId).map((s) => s.id);
  }

  releaseHung(): void {
    for (const resolve of this.hung.splice(0)) resolve();
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
      WEBHOOK_RATE_PER_SECOND: '1000',
      WEBHOOK_CONCURRENCY_PER_DESTINATION: '2',
      WEBHOOK_CIRCUIT_FAILURES: '5',
      WEBHOOK_CIRCUIT_OPEN_MS: '10000',
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

  it('idle() waits for the send under way and a round that finds nothing due; a later retry does not count', async () => {
    const hanging = new DestinationSender();
    hanging.behaviour.set('hook-1', 'hang');
    sut.registerSender('webhook', hanging);
    await add(message('a1', 'a', 1));
    sut.start();
    let idle = false;
    void sut.idle().then(() => (idle = true));
    await clock.advance(0);
    expect([hanging.to('hook-1'), idle]).toEqual([['a1'], false]);
    hanging.releaseHung(); // answered: a retry, due in about a second
    await clock.advance(0);
    expect(idle).toBe(true);
    expect((await store.find('a1'))?.status).toBe('pending');
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
    expect(
      await store.claim(clock.isoNow(), lease, 10, 'dead-instance', {
        perDestination: 1,
        skip: [],
      }),
    ).toHaveLength(1);
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

  describe('isolates destinations', () => {
    let destinations: DestinationSender;

    beforeEach(() => {
      destinations = new DestinationSender();
      sut.registerSender('webhook', destinations);
    });
    afterEach(() => destinations.releaseHung());

    it("delivers another destination's rows while a dead receiver's first attempt still hangs", async () => {
      destinations.behaviour.set('dead', 'hang');
      // Ten rows of one call: each becomes due only after the one before it, so each needs a
      // claim of its own, made while the dead receiver's attempts are still under way.
      const live = Array.from({ length: 10 }, (_, i) => message(`l${i + 1}`, 'l', i + 1, 'live'));
      const dead = Array.from({ length: 6 }, (_, i) => message(`d${i}`, `d${i}`, 1, 'dead'));
      await add(...dead, ...live);
      sut.start();
      await clock.advance(100);
      expect(destinations.to('live')).toEqual(live.map((row) => row.id));
      // The dead receiver holds only its own slots (WEBHOOK_CONCURRENCY_PER_DESTINATION), and
      // its first attempts have not ended.
      expect(destinations.to('dead')).toHaveLength(2);
      expect(destinations.hanging).toBe(2);
      expect((await store.find('d0'))?.attempts).toBe(0);
    });

    it("opens a failing destination's circuit: no attempts while open, then one trial at a time", async () => {
      destinations.behaviour.set('down', 'fail');
      await add(...Array.from({ length: 8 }, (_, i) => message(`x${i}`, `x${i}`, 1, 'down')));
      await add(message('ok1', 'o', 1, 'up'));
      sut.start();
      await clock.advance(100);
      // Five failures in a row (WEBHOOK_CIRCUIT_FAILURES) open it, the sixth was already in
      // flight beside the fifth (two per destination); the other rows wait untried.
      expect(destinations.to('down')).toHaveLength(6);
      expect(destinations.to('up')).toEqual(['ok1']);
      const untried = await store.find('x7');
      expect(untried).toMatchObject({ status: 'pending', attempts: 0 });
      expect(Date.parse(untried!.nextAttemptAt)).toBeGreaterThanOrEqual(clock.now() + 9_000);
      await clock.advance(9_000);
      expect(destinations.to('down')).toHaveLength(6);
      // Half-open: one trial; it fails, so the circuit opens again, for twice as long.
      await clock.advance(1_500);
      expect(destinations.to('down')).toHaveLength(7);
      await clock.advance(15_000);
      expect(destinations.to('down')).toHaveLength(7);
      // The receiver is back: the next trial succeeds and closes the circuit; the rest follow.
      destinations.behaviour.set('down', 'ok');
      await clock.advance(10_000);
      const delivered = await store.list({ status: 'delivered', ownerId: null, limit: 100 });
      expect(delivered.filter((row) => row.destinationId === 'down')).toHaveLength(8);
    });
  });
});
