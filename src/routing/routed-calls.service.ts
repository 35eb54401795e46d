import { Injectable } from '@nestjs/common';
import { backToWaiting, CallCreation, type FailedCreation } from '../calls/call-creation.js';
import { CallChange } from '../calls/call-change.js';
import type { CallRecord, CallView, Participant } from '../calls/call.model.js';
import { participantOf } from '../calls/call-request.js';
import { CallRepository } from '../calls/call.repository.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { ConflictError, NotFoundError } from '../common/broker-error.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OfferService, OwnRequestError } from './offer.service.js';
import { QueueDispatcher } from './queue-dispatcher.service.js';
import type { Offer } from './routing.model.js';
import './routing-facts.js';
import { requestersOf } from './routing-rules.js';

/**
 * The accepted call becomes the expert's alone; only a call still waiting can be taken. A demo
 * expert's accept says so in the call's log (`routing.taken_by_demo_expert`, then `acceptedBy`
 * names them), so nobody mistakes it for a person's.
 */
function takeFromQueue(
  current: CallRecord,
  at: string,
  expert: Participant,
  byDemoExpert: boolean,
): CallChange {
  if (current.status !== 'queued')
    throw new ConflictError(`call ${current.id} is ${current.status}, no longer waiting`);
  const change = new CallChange(current, at);
  if (byDemoExpert) change.noteRouting('taken_by_demo_expert');
  change.transition('creating', { experts: [expert], acceptedById: expert.id });
  return change;
}

/** How an accept came about: `demoExpert` when demo mode's demo expert took it (demo-experts.ts). */
export interface AcceptOptions {
  demoExpert?: boolean;
}

/** A routed call is not lost with xAssist: back to its queue, to be offered again. */
const backToQueue: FailedCreation = (current, at) => backToWaiting(current, at, 'queued');

/** An offer with the call it is for, as REST answers and socket acknowledgements carry them. */
export interface OfferWithCall {
  offer: Offer;
  call: CallView;
}

/**
 * What an expert does with an offer, REST and socket alike: accepting makes the call theirs and
 * creates it on xAssist (CallCreation.createTaken); declining passes it on.
 */
@Injectable()
export class RoutedCalls {
  constructor(
    private readonly offers: OfferService,
    private readonly calls: CallRepository,
    private readonly creation: CallCreation,
    private readonly placements: QueuePlacements,
    private readonly dispatcher: QueueDispatcher,
    private readonly bus: EventBus,
    private readonly directory: DirectoryService,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Exactly one accept per call wins (404 not yours, 409 taken or expired). When xAssist then
   * fails, the expert gets the 502/503, the offer is released and the call waits to be offered
   * again (its `routing.accept_failed` event says so).
   */
  async accept(
    caller: Person,
    offerId: string,
    options: AcceptOptions = {},
  ): Promise<OfferWithCall> {
    await this.refuseOwnRequest(caller, offerId);
    const { offer, rescinded } = await this.offers.accept(caller, offerId);
    this.metrics.offers.inc({ outcome: 'accepted' });
    this.metrics.offers.inc({ outcome: 'rescinded' }, rescinded.length);
    const ended = [...rescinded, offer].map((each) => brokerEvent('offer.ended', { offer: each }));
    this.bus.afterCommit(ended);
    const call = await this.callOf(offer);
    try {
      const expert = participantOf(this.directory, caller.id, 'expert', 'offer');
      const created = await this.creation.createTaken(
        call,
        (current, at) => takeFromQueue(current, at, expert, options.demoExpert === true),
        backToQueue,
      );
      return { offer, call: this.placements.view(created) };
    } catch (error) {
      // Back in its queue (the dispatcher releases the offer), or no longer waiting at all.
      this.dispatcher.kick();
      throw error;
    }
  }

  /**
   * Routing never offers a request to who asked for it; an offer of one made otherwise (by an
   * instance before this rule, a stale accept link) is still refused, 403, before anything changes.
   */
  private async refuseOwnRequest(caller: Person, offerId: string): Promise<void> {
    const offer = await this.offers.ownOffer(caller, offerId);
    const call = offer && (await this.calls.find(offer.callId));
    if (call && requestersOf(call).includes(caller.id)) throw new OwnRequestError();
  }

  /** The call is never offered to this expert again; the next one is offered at once. */
  async decline(caller: Person, offerId: string): Promise<OfferWithCall> {
    const offer = await this.offers.decline(caller, offerId);
    this.metrics.offers.inc({ outcome: 'declined' });
    this.bus.afterCommit([brokerEvent('offer.ended', { offer })]);
    this.dispatcher.kick();
    return { offer, call: this.placements.view(await this.callOf(offer)) };
  }

  /** `GET /v1/offers?status=pending`: the caller's own, oldest first, with their calls. */
  async pending(caller: Person): Promise<OfferWithCall[]> {
    const pending = await this.offers.pendingFor(caller);
    const answers: OfferWithCall[] = [];
    for (const offer of pending) {
      const call = await this.calls.find(offer.callId);
      if (call) answers.push({ offer, call: this.placements.view(call) });
    }
    return answers;
  }

  private async callOf(offer: Offer) {
    const call = await this.calls.find(offer.callId);
    if (!call) throw new NotFoundError(`call ${offer.callId} not found`);
    return call;
  }
}
