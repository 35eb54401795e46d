import type { CallView } from '../calls/call.model.js';
import type { BrokerEvents } from '../events/broker-events.js';
import type { EscalationStep } from '../directory/queue.js';
import type { ExpertPresence, Offer } from './routing.model.js';
import type { ExpertView } from './routing-overview.service.js';

/**
 * What routing decided, as typed events on the bus (docs/architecture.md, "Events"): routing
 * decides, the transports (sockets, chat) deliver and decide nothing.
 */
declare module '../events/broker-events.js' {
  interface BrokerEvents {
    /** An offer was made to an expert; in its transaction the offer's chat page is written. */
    'offer.created': { offer: Offer; call: CallView };
    /** An offer stopped pending: accepted, declined, timed out or rescinded. */
    'offer.ended': { offer: Offer };
    /** An expert's stored presence changed (never for a no-op). */
    'presence.changed': { presence: ExpertPresence };
    /** How supervisors and the expert see that expert now. */
    'presence.updated': { expert: ExpertView };
    /** An escalation step with notifySupervisors ran. */
    'queue.escalated': { call: CallView; step: EscalationStep & { index: number } };
    /** A queued call's position or estimate changed (no call event). */
    'call.placed': { call: CallView; technicianId: string };
    /**
     * No available expert can take a queued call now (on entering the queue, or since the last
     * one who could went away or declined): its technician is told at once.
     */
    'call.nobody_can_take': { call: CallView; technicianId: string };
  }
}

export type OfferCreated = BrokerEvents['offer.created'];
export type OfferEnded = BrokerEvents['offer.ended'];
export type PresenceChanged = BrokerEvents['presence.changed'];
export type PresenceUpdated = BrokerEvents['presence.updated'];
export type QueueEscalated = BrokerEvents['queue.escalated'];
export type CallPlaced = BrokerEvents['call.placed'];
export type NobodyCanTake = BrokerEvents['call.nobody_can_take'];
