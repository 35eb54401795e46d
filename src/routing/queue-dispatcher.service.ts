import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { CallChange } from '../calls/call-change.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import { isEnded } from '../calls/call-lifecycle.js';
import type { CallRecord, CallUpdate, QueuePlacement } from '../calls/call.model.js';
import { CallRepository, StaleCallError, type QueuedSummary } from '../calls/call.repository.js';
import { CallUpdatesBus } from '../calls/call-updates.bus.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { Clock, type TimerHandle } from '../common/clock.js';
import { logRoundFailure } from '../common/error-answer.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AcceptHistory } from './accept-history.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import { estimatedWaitSeconds, queuePositions } from './queue-order.js';
import type { QueuedRequest } from './routing.model.js';
import { RoutingRepository } from './routing.repository.js';
import { RoutingNotices } from './routing-notices.js';
import {
  dueEscalationSteps,
  eligibleExperts,
  maxWaitReached,
  requestersOf,
} from './routing-rules.js';

const ms = (iso: string): number => Date.parse(iso);

export function queuedRequestOf(call: QueuedSummary): QueuedRequest {
  return {
    callId: call.id,
    queueId: call.queueId,
    priority: call.priority,
    queuedAt: call.queuedAt,
    requesters: requestersOf({ technician: { id: call.technicianId } }),
  };
}

/**
 * Runs the queues: on every tick (ROUTING_TICK_MS, and at once when something changed) it times
 * out due offers, ends requests that waited too long, runs due escalation steps, makes the offers
 * the rules call for and works out each request's place. Everything it reads and writes is in the
 * database, so several instances may run it side by side: each write is guarded (seq, unique
 * indexes, conditional updates) and a lost race is simply retried on the next tick.
 */
@Injectable()
export class QueueDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: TimerHandle;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly logger: Logger;

  constructor(
    private readonly calls: CallRepository,
    private readonly ledger: CallLedger,
    private readonly bus: CallUpdatesBus,
    private readonly offers: OfferService,
    private readonly repository: RoutingRepository,
    private readonly presence: PresenceService,
    private readonly directory: DirectoryService,
    private readonly placements: QueuePlacements,
    private readonly notices: RoutingNotices,
    private readonly history: AcceptHistory,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'queue-dispatcher' });
  }

  onApplicationBootstrap(): void {
    this.unsubscribe.push(this.bus.subscribe((update) => this.onCallUpdate(update)));
    this.unsubscribe.push(
      this.presence.onChange((presence) => {
        if (presence.status === 'available') this.kick();
      }),
    );
    this.schedule();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    await this.running;
  }

  /** Something changed (a new request, an expert free or available): route now, not at the tick. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runTicks().finally(() => (this.running = undefined));
  }

  /** Resolves once the ticks asked for so far have run (tests and benchmarks wait on it). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.kick();
      if (!this.stopped) this.schedule();
    }, this.config.routing.tickMs);
  }

  private async runTicks(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.tick();
      } catch (error) {
        logRoundFailure(this.logger, error, {}, 'a routing tick failed; the next one tries again');
      }
    } while (this.again && !this.stopped);
  }

  private async tick(): Promise<void> {
    for (const offer of await this.offers.expireDue()) {
      this.metrics.offers.inc({ outcome: 'timed_out' });
      this.notices.emit('offer.ended', { offer });
    }
    const nowMs = this.clock.now();
    // A few columns of every waiting call; whole records only of the calls something happens to.
    const waiting: QueuedSummary[] = [];
    for (const summary of await this.calls.queuedSummaries()) {
      if (await this.advance(summary, nowMs)) waiting.push(summary);
    }
    const made = await this.offers.route(waiting.map(queuedRequestOf));
    const offered = await this.records(made.map((offer) => offer.callId));
    for (const offer of made) {
      const call = offered.get(offer.callId);
      if (!call) continue;
      this.metrics.offers.inc({ outcome: 'created' });
      this.notices.emit('offer.created', { offer, call: this.placements.view(call) });
    }
    await this.place(waiting, nowMs);
  }

  private async records(ids: readonly string[]): Promise<Map<string, CallRecord>> {
    if (ids.length === 0) return new Map();
    const calls = await this.calls.findMany([...new Set(ids)]);
    return new Map(calls.map((call) => [call.id, call]));
  }

  /**
   * What the passing of time does to one waiting request: past maxWaitSeconds it ends
   * unanswered; due escalation steps run (once each). True while it still waits (as far as this
   * tick knows: another writer may have got there first, and the next tick looks again).
   */
  private async advance(summary: QueuedSummary, nowMs: number): Promise<boolean> {
    const queue = this.directory.queue(summary.queueId);
    const queuedAtMs = ms(summary.queuedAt);
    const expired = !queue || maxWaitReached(queue, queuedAtMs, nowMs);
    const escalated = expired
      ? []
      : dueEscalationSteps(queue, queuedAtMs, nowMs, new Set(summary.escalationsDone));
    if (!expired && escalated.length === 0) return true;
    const call = await this.calls.find(summary.id);
    if (call?.status !== 'queued') return false;
    const change = new CallChange(call, new Date(nowMs).toISOString());
    if (expired) {
      change.transition('unanswered');
    } else {
      change.call.escalationsDone = [...call.escalationsDone, ...escalated];
      change.noteRouting('escalated');
    }
    try {
      await this.ledger.record(change);
    } catch (error) {
      if (error instanceof StaleCallError) return false;
      throw error;
    }
    if (expired) {
      this.metrics.queuedUnanswered.inc({ queue: summary.queueId });
      return false;
    }
    summary.escalationsDone = change.call.escalationsDone;
    for (const index of escalated) {
      const step = queue!.escalation[index];
      if (step.notifySupervisors) {
        const view = this.placements.view(change.call);
        this.notices.emit('queue.escalated', { call: view, step: { ...step, index } });
      }
    }
    return true;
  }

  /** Each waiting request's position and estimate; those that changed are pushed. */
  private async place(waiting: readonly QueuedSummary[], nowMs: number): Promise<void> {
    const requests = waiting.map(queuedRequestOf);
    const positions = queuePositions(requests);
    const standing = await this.presence.standing();
    const people = this.directory.all();
    const available = new Map<string, number>();
    const fresh = { callId: '', queuedAt: new Date(nowMs).toISOString(), requesters: [] };
    for (const queue of this.directory.queues())
      available.set(queue.id, eligibleExperts(queue, people, standing, fresh, [], nowMs).length);
    const next = new Map<string, QueuePlacement>();
    for (const request of requests) {
      const position = positions.get(request.callId) ?? null;
      const estimate =
        position === null
          ? null
          : estimatedWaitSeconds(
              position,
              this.history.recent(request.queueId),
              available.get(request.queueId) ?? 0,
            );
      next.set(request.callId, { position, estimatedWaitSeconds: estimate });
    }
    const changed = await this.records(this.placements.replace(next));
    for (const call of changed.values()) {
      if (call.status !== 'queued') continue;
      this.notices.emit('call.placed', {
        call: this.placements.view(call),
        technicianId: call.technician.id,
      });
    }
  }

  /** What a committed change of some call means for routing. */
  private onCallUpdate({ call, events }: CallUpdate): void {
    const types = new Set(events.map((event) => event.type));
    if (types.has('status.queued')) {
      // Queued anew or back in the queue: an offer accepted before no longer holds it.
      this.repository
        .releaseAccepted(call.id, this.clock.isoNow())
        .catch((error: unknown) =>
          this.logger.error({ err: error, callId: call.id }, 'releasing an accepted offer failed'),
        )
        .finally(() => this.kick());
    }
    if (types.has('status.creating') && call.queueId !== null && call.queuedAt !== null) {
      const seconds = (ms(call.updatedAt) - ms(call.queuedAt)) / 1000;
      this.history.add(call.queueId, seconds);
      this.metrics.timeToAccept.observe({ queue: call.queueId }, seconds);
    }
    const endedNow = isEnded(call.status) && events.some((event) => event.status === call.status);
    if (!endedNow) return;
    this.afterEnd(call).catch((error: unknown) =>
      this.logger.error({ err: error, callId: call.id }, 'routing after a call ended failed'),
    );
  }

  /** A call ended: its pending offers go, its expert is idle from now, and may take the next. */
  private async afterEnd(call: CallRecord): Promise<void> {
    if (call.queueId !== null) {
      for (const offer of await this.offers.rescindAll(call.id)) {
        this.metrics.offers.inc({ outcome: 'rescinded' });
        this.notices.emit('offer.ended', { offer });
      }
    }
    const expertId = call.joinedExpertId ?? call.acceptedById;
    if (expertId !== null) await this.presence.callEnded(expertId);
    this.kick();
  }
}
