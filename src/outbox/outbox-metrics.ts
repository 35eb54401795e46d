import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { OutboxStore } from './kysely-outbox.store.js';

/** What shows a stuck outbox: outcomes, rows waiting or dead now, and how late deliveries arrive. */
@Injectable()
export class OutboxMetrics {
  readonly attempts: Counter<'outcome'>;
  readonly delay: Histogram;

  constructor(metrics: MetricsService, store: OutboxStore) {
    const registers = [metrics.registry];
    this.attempts = new Counter({
      name: 'broker_outbox_attempts_total',
      help: 'Outbox delivery attempts, by outcome (delivered, retry, failed, gone, expired: past its deadline or time to live, also when settled without an attempt)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.delay = new Histogram({
      name: 'broker_outbox_delivery_delay_seconds',
      help: 'From the call change being committed to its delivery being accepted',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
      registers,
    });
    // Read on each scrape, so every instance sharing the database reports the same numbers.
    for (const status of ['pending', 'failed'] as const) {
      new Gauge({
        name: `broker_outbox_${status}`,
        help: `Outbox deliveries ${status === 'pending' ? 'waiting to be delivered' : 'dead (failed after their last attempt)'}`,
        registers,
        async collect() {
          this.set((await store.counts())[status]);
        },
      });
    }
  }
}
