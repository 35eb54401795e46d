import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import {
  BrokerError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../common/broker-error.js';
import { ROUTING_ERROR_CODE } from '../common/error-answer.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { PresenceService } from './presence.service.js';
import type { Offer, QueuedRequest } from './routing.model.js';
import {
  RoutingRepository,
  type OfferRefusal,
  type OffersAlongside,
} from './routing.repository.js';
import { planOffers } from './routing-rules.js';

export interface AcceptedOffer {
  offer: Offer;
  /** The call's other offers, ended at once: tell their experts (`offer.ended`). */
  rescinded: Offer[];
}

/** An expert accepting a request they asked for themselves (an older offer, a link): 403. */
export class OwnRequestError extends BrokerError {
  override name = 'OwnRequestError';
  readonly httpStatus = 403;
  override readonly code = ROUTING_ERROR_CODE.ownRequest;

  constructor() {
    super('you asked for this call; another expert has to take it');
  }
}

/** The 404 or 409 an accept or decline that did not take answers, with a message that says why. */
function refusalError(offerId: string, refusal: OfferRefusal): Error {
  switch (refusal.kind) {
    case 'not_found':
      return new NotFoundError(`offer ${offerId} not found`);
    case 'taken':
      return new ConflictError('another expert accepted this call first');
    case 'expired':
      return new ConflictError(`the offer expired at ${refusal.offer.expiresAt}`);
    case 'ended':
      return new ConflictError(`the offer is already ${refusal.offer.status.replace('_', ' ')}`);
  }
}

/**
 * Offers: who is offered which queued call (the pure rules in routing-rules.ts over what the
 * database holds), accepting, declining and timing out. Every decision reads and writes the
 * database, so any instance may make offers and any instance may take the accept.
 */
@Injectable()
export class OfferService {
  constructor(
    private readonly repository: RoutingRepository,
    private readonly presence: PresenceService,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
  ) {}

  /**
   * Makes the offers due now for these queued calls (pass every queued call: priority order is
   * across all of them). Returns the new offers, for `offer.created` to their experts. `before`
   * sees them once planned, before the transaction that stores them (and runs `alongside`).
   */
  async route(
    requests: readonly QueuedRequest[],
    alongside?: OffersAlongside,
    before?: (planned: readonly Offer[]) => Promise<void>,
  ): Promise<Offer[]> {
    if (requests.length === 0) return [];
    const nowMs = this.clock.now();
    const [standing, ofRequests, reserved] = await Promise.all([
      this.presence.standing(),
      this.repository.offersOfCalls(requests.map((request) => request.callId)),
      this.repository.allPendingOffers(),
    ]);
    const known = new Set(ofRequests.map((offer) => offer.id));
    const offers = [...ofRequests, ...reserved.filter((offer) => !known.has(offer.id))];
    const planned = planOffers(
      { nowMs, people: this.directory.all(), standing, requests, offers },
      (id) => this.directory.queue(id),
    );
    const offeredAt = new Date(nowMs).toISOString();
    const made: Offer[] = planned.map((plan) => ({
      id: randomUUID(),
      callId: plan.callId,
      expertId: plan.expertId,
      status: 'pending',
      offeredAt,
      expiresAt: new Date(plan.expiresAtMs).toISOString(),
      endedAt: null,
    }));
    if (before && made.length > 0) await before(made);
    return this.repository.insertOffers(made, alongside);
  }

  /** `offer.accept`: 404 for an offer that is not the caller's, 409 when taken or expired. */
  async accept(caller: Person, offerId: string): Promise<AcceptedOffer> {
    this.mustBeExpert(caller);
    const outcome = await this.repository.accept(offerId, caller.id, this.clock.isoNow());
    if (outcome.kind !== 'accepted') throw refusalError(offerId, outcome);
    await this.presence.offerEnded(caller.id, 'accepted');
    return { offer: outcome.offer, rescinded: outcome.rescinded };
  }

  /** The caller's own offer with this id; undefined when there is none (the accept answers 404). */
  async ownOffer(caller: Person, offerId: string): Promise<Offer | undefined> {
    const offer = await this.repository.offer(offerId);
    return offer?.expertId === caller.id ? offer : undefined;
  }

  /** `offer.decline`: the call is never offered to this expert again. */
  async decline(caller: Person, offerId: string): Promise<Offer> {
    this.mustBeExpert(caller);
    const outcome = await this.repository.decline(offerId, caller.id, this.clock.isoNow());
    if (outcome.kind !== 'declined') throw refusalError(offerId, outcome);
    await this.presence.offerEnded(caller.id, 'declined');
    return outcome.offer;
  }

  /**
   * Offers past their expiry time out (on whichever instance gets there first: each is timed
   * out once); their experts count a timeout, the second in a row sets them away.
   */
  async expireDue(): Promise<Offer[]> {
    const timedOut = await this.repository.timeOutDue(this.clock.isoNow());
    for (const offer of timedOut) await this.presence.offerEnded(offer.expertId, 'timed_out');
    return timedOut;
  }

  /** `GET /v1/offers?status=pending`: the caller's own. */
  async pendingFor(caller: Person): Promise<Offer[]> {
    this.mustBeExpert(caller);
    return this.repository.pendingOffersOf(caller.id);
  }

  /** The call stopped waiting (cancelled, unanswered, accepted elsewhere): end its offers. */
  async rescindAll(callId: string): Promise<Offer[]> {
    return this.repository.rescindPending(callId, this.clock.isoNow());
  }

  private mustBeExpert(caller: Person): void {
    if (!hasRole(caller, 'expert')) throw new ForbiddenError('only experts receive offers');
  }
}
