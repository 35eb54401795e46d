import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { SystemClock } from '../src/common/clock.js';
import { loadConfig, type AppConfig } from '../src/config/app-config.js';
import { prepareDatabase } from '../src/database/database.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { OutboxStore } from '../src/outbox/kysely-outbox.store.js';
import { OutboxDispatcher } from '../src/outbox/outbox-dispatcher.service.js';
import { OutboxMetrics } from '../src/outbox/outbox-metrics.js';
import { OutboxSenders, type OutboxSender } from '../src/outbox/outbox-sender.js';
import type { AttemptOutcome, Delivery } from '../src/outbox/outbox.model.js';
import { waitFor } from './support/broker-harness.js';
import { brokerDatabases, type TestDatabase } from './support/environment.js';
import { capturedLogger } from './support/log-capture.js';

const CALLS = 30;
const SEQS = 10;

/** Records which instance sent what, answering on a later turn of the event loop as a real receiver would. */
class RecordingSender implements OutboxSender {
  readonly policy: OutboxSender['policy'];

  constructor(
    private readonly instance: string,
    private readonly log: Array<{ instance: string; id: string; callId: string; seq: number }>,
    config: AppConfig,
  ) {
    this.policy = { retry: config.outbox.retry, ttlMs: 3_600_000 };
  }

  async deliver(delivery: Delivery, paced: () => Promise<void>): Promise<AttemptOutcome> {
    await paced();
    await new Promise((resolve) => setImmediate(resolve)); // answers on a later turn: the other instance runs meanwhile
    const { id, callId, seq } = delivery;
    this.log.push({ instance: this.instance, id, callId, seq });
    return { status: 'sent' };
  }

  async gone(): Promise<void> {}
}

/** Two instances draining one outbox: SKIP LOCKED on PostgreSQL, the guarded UPDATE on SQLite. */
describe.each(await brokerDatabases('outbox claims'))('two dispatchers on $name', ({ create }) => {
  let database: TestDatabase | undefined;
  let dir: string;
  let dbs: Kysely<BrokerDatabase>[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-claims-'));
    database = await create?.();
  });
  afterAll(async () => {
    for (const db of dbs) await db.destroy();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deliver every row exactly once, each call in seq order, both taking a share', async () => {
    const url = database?.url ?? `sqlite:${join(dir, 'outbox.db')}`;
    dbs = [await prepareDatabase(url), await prepareDatabase(url)];
    const config = loadConfig({
      BROKER_MODE: 'demo',
      OUTBOX_BATCH_SIZE: '7',
      WEBHOOK_RATE_PER_SECOND: '10000',
    });
    const { logger } = capturedLogger('silent');
    const now = new Date().toISOString();
    await dbs[0].transaction().execute((trx) =>
      new OutboxStore(dbs[0]).add(
        trx,
        Array.from({ length: CALLS * SEQS }, (_, n) => ({
          id: `msg_${n}`,
          destinationKind: 'webhook' as const,
          destinationId: `hook-${n % 3}`,
          ownerId: 'erp',
          callId: `call-${n % CALLS}`,
          seq: 1 + Math.floor(n / CALLS),
          position: 0,
          eventType: 'call.status_changed',
          payload: '{}',
        })),
        now,
      ),
    );
    const sent: Array<{ instance: string; id: string; callId: string; seq: number }> = [];
    const dispatchers = dbs.map((db, i) => {
      const store = new OutboxStore(db);
      const metrics = new OutboxMetrics(new MetricsService(), store);
      return new OutboxDispatcher(
        store,
        new SystemClock(),
        metrics,
        OutboxSenders.of({ webhook: new RecordingSender(`i${i}`, sent, config) }),
        config,
        logger,
      );
    });
    dispatchers.forEach((dispatcher) => dispatcher.start());
    try {
      await waitFor(
        async () => sent.length,
        (n) => n >= CALLS * SEQS,
        30_000,
      );
    } finally {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
    }
    expect(new Set(sent.map((s) => s.id)).size).toBe(CALLS * SEQS);
    expect(sent).toHaveLength(CALLS * SEQS);
    for (let c = 0; c < CALLS; c++) {
      const seqs = sent.filter((s) => s.callId === `call-${c}`).map((s) => s.seq);
      expect(seqs).toEqual(Array.from({ length: SEQS }, (_, i) => i + 1));
    }
    expect(new Set(sent.map((s) => s.instance)).size).toBe(2);
  });
});
