import { Injectable } from '@nestjs/common';
import type { CallFactEvent } from '../calls/call-facts.js';
import { expertOf } from '../calls/wrap-up.js';
import { Clock } from '../common/clock.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { OnEvent } from '../events/on-event.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AcceptHistory } from './accept-history.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import { QueueDispatcher } from './queue-dispatcher.service.js';
import { RoutingRepository } from './routing.repository.js';
import type { PresenceChanged } from './routing-facts.js';

/** What committed call changes and presence changes mean for routing (after they commit). */
@Injectable()
export class RoutingReactions {
  constructor(
    private readonly repository: RoutingRepository,
    private readonly offers: OfferService,
    private readonly presence: PresenceService,
    private readonly dispatcher: QueueDispatcher,
    private readonly history: AcceptHistory,
    private readonly bus: EventBus,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /** Queued anew or back in the queue: an offer accepted before no longer holds it. */
  @OnEvent('call.queued', 'after-commit')
  async onQueued({ call }: CallFactEvent<'queued'>): Promise<void> {
    try {
      await this.repository.releaseAccepted(call.id, this.clock.isoNow());
    } finally {
      this.dispatcher.kick();
    }
  }

  /** The request became a callback: it is no longer offered; its pending offers go. */
  @OnEvent('call.callback_pending', 'after-commit')
  async onCallbackPending({ call }: CallFactEvent<'callback_pending'>): Promise<void> {
    const rescinded = await this.offers.rescindAll(call.id);
    this.metrics.offers.inc({ outcome: 'rescinded' }, rescinded.length);
    this.bus.afterCommit(rescinded.map((offer) => brokerEvent('offer.ended', { offer })));
  }

  /** An expert took a queued call: how long it waited feeds the queue's estimates. */
  @OnEvent('call.accepted', 'after-commit')
  onAccepted({ queueId, waitedSeconds }: CallFactEvent<'accepted'>): void {
    this.history.add(queueId, waitedSeconds);
    this.metrics.timeToAccept.observe({ queue: queueId }, waitedSeconds);
  }

  /** A call ended: its pending offers go, its expert is idle from now and may take the next. */
  @OnEvent('call.ended', 'after-commit')
  async onEnded({ call }: CallFactEvent<'ended'>): Promise<void> {
    if (call.queueId !== null) {
      const rescinded = await this.offers.rescindAll(call.id);
      this.metrics.offers.inc({ outcome: 'rescinded' }, rescinded.length);
      this.bus.afterCommit(rescinded.map((offer) => brokerEvent('offer.ended', { offer })));
    }
    const expertId = expertOf(call);
    if (expertId !== null) await this.presence.callEnded(expertId, call);
    this.dispatcher.kick();
  }

  /** The wrap-up was recorded: the expert's after-call work for this call is over. */
  @OnEvent('call.wrapped_up', 'after-commit')
  async onWrappedUp({ call, first }: CallFactEvent<'wrapped_up'>): Promise<void> {
    const expertId = expertOf(call);
    if (!first || expertId === null) return;
    const after = await this.presence.wrappedUp(expertId, call.id);
    if (after.status === 'available') this.dispatcher.kick();
  }

  /** An expert became available: route now rather than at the next tick. */
  @OnEvent('presence.changed', 'after-commit')
  onPresence({ presence }: PresenceChanged): void {
    if (presence.status === 'available') this.dispatcher.kick();
  }
}
