import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { CALL_SECONDS_BUCKETS, MetricsService } from '../metrics/metrics.service.js';
import { OnEvent } from '../events/on-event.js';
import type { CallCommitted } from './call-facts.js';

/**
 * What committed call changes measure, on the broker's shared registry (an after-commit handler
 * of the event bus): the metrics module knows no call, so the milestones of one are timed here.
 */
@Injectable()
export class CallMetrics {
  private readonly callEvents: Counter<'kind'>;
  private readonly timeToAnswer: Histogram;
  private readonly timeToConnect: Histogram;
  private readonly callOutcomes: Counter<'status'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.callEvents = new Counter({
      name: 'broker_call_events_total',
      help: 'Call events committed, by kind (status or xassist)',
      labelNames: ['kind'] as const,
      registers,
    });
    this.timeToAnswer = new Histogram({
      name: 'broker_call_time_to_answer_seconds',
      help: 'From a call being asked for to an expert joining it on xAssist',
      buckets: CALL_SECONDS_BUCKETS,
      registers,
    });
    this.timeToConnect = new Histogram({
      name: 'broker_call_time_to_connect_seconds',
      help: 'From a call being asked for to the technician joining the expert (connected)',
      buckets: CALL_SECONDS_BUCKETS,
      registers,
    });
    this.callOutcomes = new Counter({
      name: 'broker_call_outcomes_total',
      help: 'Calls that came to an end, by their final status',
      labelNames: ['status'] as const,
      registers,
    });
  }

  /** Every committed batch: counts its events and times the milestones it just reached. */
  @OnEvent('call.committed', 'after-commit')
  observe({ call, events, facts }: CallCommitted): void {
    for (const event of events) this.callEvents.inc({ kind: event.type.split('.')[0] });
    const since = (at: string) => (Date.parse(at) - Date.parse(call.createdAt)) / 1000;
    for (const fact of facts) {
      if (fact.kind === 'ended') this.callOutcomes.inc({ status: fact.status });
      if (fact.kind !== 'status_changed') continue;
      if (fact.to === 'expert_joined' && call.expertJoinedAt)
        this.timeToAnswer.observe(since(call.expertJoinedAt));
      if (fact.to === 'connected' && call.connectedAt)
        this.timeToConnect.observe(since(call.connectedAt));
    }
  }
}
