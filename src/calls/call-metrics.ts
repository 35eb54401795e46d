import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { CALL_SECONDS_BUCKETS, MetricsService } from '../metrics/metrics.service.js';
import { isEnded } from './call-lifecycle.js';
import type { CallRecord } from './call.model.js';

/**
 * What the ledger measures of committed call changes, on the broker's shared registry: the
 * metrics module knows no call, so the milestones of one are timed here.
 */
@Injectable()
export class CallMetrics {
  readonly callEvents: Counter<'kind'>;
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

  /** Called with every committed change to a call: times the milestones it just reached. */
  observeCall(before: CallRecord, after: CallRecord): void {
    const since = (at: string) => (Date.parse(at) - Date.parse(after.createdAt)) / 1000;
    if (after.expertJoinedAt && !before.expertJoinedAt)
      this.timeToAnswer.observe(since(after.expertJoinedAt));
    if (after.connectedAt && !before.connectedAt)
      this.timeToConnect.observe(since(after.connectedAt));
    if (isEnded(after.status) && !isEnded(before.status))
      this.callOutcomes.inc({ status: after.status });
  }
}
