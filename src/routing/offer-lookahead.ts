import { Injectable } from '@nestjs/common';
import type { Offer } from './routing.model.js';

/**
 * What a listener of `offer.created` must find out slowly, such as chat paging asking every
 * instance whether the expert has a dashboard socket open (up to a second over Redis). An offer
 * round asks it for the offers it is about to make BEFORE their transaction, so that the
 * transaction (and the rows it locks) never waits on it; the listener keeps its answers for its
 * in-transaction handler, and forgets them once the round is over, stored or not.
 */
export interface OfferLookahead {
  prepare(offers: readonly Offer[]): Promise<void>;
  forget(offers: readonly Offer[]): void;
}

/**
 * The lookaheads an offer round asks. A listener adds itself at start-up (paging, from its
 * module): injecting it into the round instead would close a circle (the pager asks the realtime
 * gateway, which reaches routing).
 */
@Injectable()
export class OfferLookaheads implements OfferLookahead {
  private readonly added: OfferLookahead[] = [];

  add(lookahead: OfferLookahead): void {
    this.added.push(lookahead);
  }

  async prepare(offers: readonly Offer[]): Promise<void> {
    await Promise.all(this.added.map((lookahead) => lookahead.prepare(offers)));
  }

  forget(offers: readonly Offer[]): void {
    for (const lookahead of this.added) lookahead.forget(offers);
  }
}
