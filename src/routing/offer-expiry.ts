import { Injectable } from '@nestjs/common';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OfferService } from './offer.service.js';
import './routing-facts.js';

/** Offers past their expiry time out, once each, whichever instance gets there first. */
@Injectable()
export class OfferExpiry {
  constructor(
    private readonly offers: OfferService,
    private readonly bus: EventBus,
    private readonly metrics: MetricsService,
  ) {}

  async run(): Promise<void> {
    const timedOut = await this.offers.expireDue();
    this.metrics.offers.inc({ outcome: 'timed_out' }, timedOut.length);
    this.bus.afterCommit(timedOut.map((offer) => brokerEvent('offer.ended', { offer })));
  }
}
