import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The broker's Prometheus metrics, on a registry of its own (tests start many apps). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly callsCreated = new Counter({
    name: 'broker_calls_created_total',
    help: 'Calls asked for over REST, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly polls = new Counter({
    name: 'broker_xassist_polls_total',
    help: 'getCallLogById polls, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly pollDuration = new Histogram({
    name: 'broker_xassist_poll_seconds',
    help: 'Time of one getCallLogById poll, retries included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly followedCalls = new Gauge({
    name: 'broker_followed_calls',
    help: 'Calls currently followed on xAssist',
    registers: [this.registry],
  });

  readonly callEvents = new Counter({
    name: 'broker_call_events_total',
    help: 'Call events committed, by kind (status or xassist)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
