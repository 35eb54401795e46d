import { Injectable } from '@nestjs/common';
import { CallRepository } from '../calls/call.repository.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { brokerEvent, type BrokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OfferLookaheads } from './offer-lookahead.js';
import { OfferService } from './offer.service.js';
import type { Offer } from './routing.model.js';
import type { QueuedRequest } from './routing.model.js';
import './routing-facts.js';

/**
 * Makes the offers due for the waiting requests. Each `offer.created` runs its in-transaction
 * handlers in the offers' own transaction (the chat page of an expert with no dashboard open
 * commits with the offer, so a crash cannot keep one without the other), and its after-commit
 * handlers once they are stored. What those handlers would have to wait for (a look-up across
 * instances) is asked before the transaction (OfferLookaheads): no transaction waits on it.
 */
@Injectable()
export class OfferRound {
  constructor(
    private readonly offers: OfferService,
    private readonly calls: CallRepository,
    private readonly placements: QueuePlacements,
    private readonly bus: EventBus,
    private readonly metrics: MetricsService,
    private readonly lookaheads: OfferLookaheads,
  ) {}

  async run(waiting: readonly QueuedRequest[]): Promise<void> {
    let made: BrokerEvent[] = [];
    let planned: readonly Offer[] = [];
    const beforeTransaction = async (offers: readonly Offer[]) => {
      planned = offers;
      await this.lookaheads.prepare(offers);
    };
    try {
      await this.offers.route(
        waiting,
        async (trx, stored) => {
          const ids = [...new Set(stored.map((offer) => offer.callId))];
          const found = await this.calls.findMany(ids, trx);
          const calls = new Map(found.map((call) => [call.id, call]));
          made = stored.flatMap((offer) => {
            const call = calls.get(offer.callId);
            return call
              ? [brokerEvent('offer.created', { offer, call: this.placements.view(call) })]
              : [];
          });
          await this.bus.inTransaction(trx, made);
        },
        beforeTransaction,
      );
    } finally {
      this.lookaheads.forget(planned);
    }
    this.metrics.offers.inc({ outcome: 'created' }, made.length);
    this.bus.afterCommit(made);
  }
}
