import type { Transaction } from 'kysely';
import type { BrokerDatabase } from '../database/schema.js';
import type { ExpertPresence, Offer } from './routing.model.js';

/** Why an accept or decline did not take; the caller turns it into 404 or 409. */
export type OfferRefusal =
  | { kind: 'not_found' }
  /** Another offer of the same call was accepted first. */
  | { kind: 'taken'; offer: Offer }
  /** Still pending in the table but past its expiry (the sweep will time it out). */
  | { kind: 'expired'; offer: Offer }
  /** Declined, timed out or rescinded already. */
  | { kind: 'ended'; offer: Offer };

export type AcceptOutcome = { kind: 'accepted'; offer: Offer; rescinded: Offer[] } | OfferRefusal;
export type DeclineOutcome = { kind: 'declined'; offer: Offer } | OfferRefusal;

/** Another writer kept changing this expert's presence; give up rather than spin. */
export class PresenceContentionError extends Error {
  override name = 'PresenceContentionError';
}

/**
 * Where presence and offers live, shared by every instance. An abstract class so it is its own DI
 * token; the Kysely implementation runs on SQLite and PostgreSQL alike.
 */
/** Rows written in the offers' own transaction (the offers' chat pages), given those stored. */
export type OffersAlongside = (trx: Transaction<BrokerDatabase>, stored: Offer[]) => Promise<void>;

export abstract class RoutingRepository {
  abstract presenceOf(expertId: string): Promise<ExpertPresence | undefined>;
  abstract allPresence(): Promise<ExpertPresence[]>;
  /**
   * Applies `change` to the stored presence (an offline default when there is none yet), retrying
   * when another writer got there first, so that no update is lost. Returns both versions.
   */
  abstract updatePresence(
    expertId: string,
    at: string,
    change: (current: ExpertPresence) => ExpertPresence,
  ): Promise<{ before: ExpertPresence; after: ExpertPresence }>;
  /**
   * Experts in an active call, holding an accepted offer of one, or who took a callback still
   * active, with that call's id.
   */
  abstract busyExperts(): Promise<Map<string, string>>;

  /**
   * Stores new pending offers and returns those stored: none for a call that already has an
   * accepted offer, none for an expert who already holds a pending offer.
   */
  abstract insertOffers(offers: Offer[], alongside?: OffersAlongside): Promise<Offer[]>;
  abstract offer(id: string): Promise<Offer | undefined>;
  abstract offersOfCalls(callIds: readonly string[]): Promise<Offer[]>;
  abstract pendingOffersOf(expertId: string): Promise<Offer[]>;
  /** Every pending offer, of any call: who is reserved right now. */
  abstract allPendingOffers(): Promise<Offer[]>;
  /**
   * The expert's pending offer becomes `accepted` and every other pending offer of the call
   * `rescinded`, in one transaction; exactly one accept per call wins, whatever the race.
   */
  abstract accept(offerId: string, expertId: string, at: string): Promise<AcceptOutcome>;
  abstract decline(offerId: string, expertId: string, at: string): Promise<DeclineOutcome>;
  /** Pending offers whose expiry has come become `timed_out`; returns them. */
  abstract timeOutDue(at: string): Promise<Offer[]>;
  /**
   * The accepted offer of a call that went back to its queue (xAssist failed at the accept, or
   * a crash interrupted it) becomes `rescinded`, so that the call can be offered again.
   */
  abstract releaseAccepted(callId: string, at: string): Promise<Offer[]>;
  /** The call stopped waiting (cancelled, unanswered): its pending offers become `rescinded`. */
  abstract rescindPending(callId: string, at: string): Promise<Offer[]>;
}
