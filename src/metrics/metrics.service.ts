import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** From seconds to minutes: an expert answers in seconds, or the call times out (60 s default). */
export const CALL_SECONDS_BUCKETS = [1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600];

/** Something that says when it goes away, as a socket.io socket does. */
interface Disconnectable {
  once(event: 'disconnect', listener: () => void): unknown;
}

/**
 * The broker's Prometheus metrics, on a registry of its own (tests start many apps). A feature
 * whose metrics need its own types registers them here itself (calls/call-metrics.ts).
 */
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

  readonly callCommitsFenced = new Counter({
    name: 'broker_call_commits_fenced_total',
    help: 'Poll results not committed: the call lease was lost (another instance follows the call)',
    registers: [this.registry],
  });

  readonly clusterLeader = new Gauge({
    name: 'broker_cluster_leader',
    help: '1 while this instance runs the once-per-cluster jobs (the leader), else 0',
    registers: [this.registry],
  });

  readonly connectedSockets = new Gauge({
    name: 'broker_connected_sockets',
    help: 'Authenticated socket.io connections open now',
    registers: [this.registry],
  });

  readonly timeToAccept = new Histogram({
    name: 'broker_routing_time_to_accept_seconds',
    help: 'From a request entering its queue to an expert accepting it, per queue',
    labelNames: ['queue'] as const,
    buckets: CALL_SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly offers = new Counter({
    name: 'broker_routing_offers_total',
    help: 'Offers made to experts (outcome created), and how they ended',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly queuedUnanswered = new Counter({
    name: 'broker_routing_unanswered_total',
    help: 'Queued requests that ended unanswered (nobody accepted within maxWaitSeconds), per queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly closedRequests = new Counter({
    name: 'broker_routing_closed_total',
    help: 'Requests to a queue outside its business hours answered closed at once, per queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  /** Counts a socket until it disconnects. */
  socketConnected(socket: Disconnectable): void {
    this.connectedSockets.inc();
    socket.once('disconnect', () => this.connectedSockets.dec());
  }

  /**
   * Several instances (REDIS_URL): every sample names its instance (INSTANCE_ID), as logs and
   * leases do. Not `instance`: Prometheus sets that label to the scraped target itself and would
   * rename ours to `exported_instance`.
   */
  constructor(@Optional() @Inject(APP_CONFIG) config?: AppConfig) {
    if (config?.cluster.redisUrl !== undefined)
      this.registry.setDefaultLabels({ broker_instance: config.cluster.instanceId });
    collectDefaultMetrics({ register: this.registry });
  }
}
