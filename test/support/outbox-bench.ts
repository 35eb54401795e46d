import type { Kysely } from 'kysely';
import { RecordedSignals } from './cluster-role.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { migrateToLatest, openDatabase } from '../../src/database/database.js';
import type { BrokerDatabase } from '../../src/database/schema.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { OutboxStore } from '../../src/outbox/kysely-outbox.store.js';
import { OutboxDispatcher } from '../../src/outbox/outbox-dispatcher.service.js';
import { OutboxMetrics } from '../../src/outbox/outbox-metrics.js';
import {
  OutboxSenders,
  type OutboxPolicy,
  type OutboxSender,
} from '../../src/outbox/outbox-sender.js';
import type { AttemptOutcome, Delivery, OutboxMessage } from '../../src/outbox/outbox.model.js';
import { FakeClock } from './fake-clock.js';
import { capturedLogger } from './log-capture.js';

/** A webhook row of `callId` at `seq` (the dispatcher's unit specs). */
export const message = (
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

/** The spec's schedule (WEBHOOK_* below): 1 s doubling up to 4 s, three attempts; an hour to live. */
export const POLICY: OutboxPolicy = {
  retry: { maxAttempts: 3, retryBaseMs: 1_000, retryMaxMs: 4_000 },
  ttlMs: 3_600_000,
};

/** A sender whose answers the test scripts; it records what it was asked to deliver. */
export class ScriptedSender implements OutboxSender {
  constructor(readonly policy: OutboxPolicy = POLICY) {}

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

/**
 * A dispatcher on the fake clock over an in-memory SQLite outbox: 1 s doubling up to 4 s, three
 * attempts, two in flight per destination, a circuit after five failures open 10 s.
 */
export class OutboxBench {
  readonly clock = new FakeClock();
  readonly metricsService = new MetricsService();
  readonly config: AppConfig;
  private readonly env: Record<string, string> = {
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
  };
  readonly store: OutboxStore;
  private readonly metrics: OutboxMetrics;
  private dispatcher?: OutboxDispatcher;
  readonly signals = new RecordedSignals();

  private constructor(
    readonly db: Kysely<BrokerDatabase>,
    env: Record<string, string>,
  ) {
    this.config = loadConfig({ ...this.env, ...env });
    this.store = new OutboxStore(db);
    this.metrics = new OutboxMetrics(this.metricsService, this.store);
  }

  /** `env`: settings other than the spec's (WEBHOOK_RATE_PER_SECOND, say). */
  static async open(env: Record<string, string> = {}): Promise<OutboxBench> {
    const { db } = openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    return new OutboxBench(db, env);
  }

  /** The dispatcher under test (built by `build`). */
  get sut(): OutboxDispatcher {
    if (!this.dispatcher) throw new Error('build() the dispatcher first');
    return this.dispatcher;
  }

  /** A dispatcher with these senders by kind, replacing (and stopping) any earlier one. */
  async build(senders: Record<string, OutboxSender>): Promise<OutboxDispatcher> {
    await this.dispatcher?.stop();
    const { logger } = capturedLogger('silent');
    this.dispatcher = new OutboxDispatcher(
      this.store,
      this.clock,
      this.metrics,
      OutboxSenders.of(senders),
      this.config,
      logger,
      undefined,
      this.signals,
    );
    return this.dispatcher;
  }

  add(...messages: OutboxMessage[]): Promise<void> {
    return this.db
      .transaction()
      .execute((trx) => this.store.add(trx, messages, this.clock.isoNow()));
  }

  /** broker_outbox_attempts_total of one outcome. */
  async attempts(outcome: string): Promise<number> {
    const metric = this.metricsService.registry.getSingleMetric('broker_outbox_attempts_total');
    const values = (await metric?.get())?.values ?? [];
    return values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
  }

  async close(): Promise<void> {
    await this.dispatcher?.stop();
    await this.db.destroy();
  }
}
