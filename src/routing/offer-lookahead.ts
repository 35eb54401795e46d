import type { Offer } from './routing.model.js';

/**
 * A port for listeners of `offer.created` that must find something out slowly, such as chat
 * paging asking every instance whether the expert has a dashboard socket open (up to a second
 * over Redis). An offer round asks it for the offers it is about to make BEFORE their transaction,
 * so that the transaction (and the rows it locks) never waits on it; the listener keeps its
 * answers for its in-transaction handler, and forgets them once the round is over, stored or not.
 */
export abstract class OfferLookahead {
  abstract prepare(offers: readonly Offer[]): Promise<void>;
  abstract forget(offers: readonly Offer[]): void;
}
