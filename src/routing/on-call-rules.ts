import { isOpen, onCallExpert } from '../directory/opening-hours.js';
import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';
import type { Offer, QueuedRequest } from './routing.model.js';

/**
 * Outside business hours an `on_call` queue offers its waiting requests to the expert on call
 * now (the rota, or an override), and to nobody else, whatever their presence: they are paged
 * (docs/routing.md, "Business hours"). Pure functions of plain data, like routing-rules.ts.
 */

/** Whether the queue's requests go to its on-call expert at this instant (closed, `on_call`). */
export function routedOnCall(queue: Queue, nowMs: number): boolean {
  return queue.openingHours?.outsideHours === 'on_call' && !isOpen(queue, nowMs);
}

/**
 * The on-call expert who may take this request now: on call at `nowMs`, an expert in the
 * directory, not its requester, and not one who declined it or let its offer time out.
 */
export function onCallTaker(
  queue: Queue,
  people: readonly Person[],
  request: Pick<QueuedRequest, 'callId' | 'requesters'>,
  offersOfCall: readonly Offer[],
  nowMs: number,
): Person | undefined {
  const expertId = onCallExpert(queue, nowMs);
  if (expertId === undefined || request.requesters.includes(expertId)) return undefined;
  const refused = offersOfCall.some(
    (offer) =>
      offer.callId === request.callId &&
      offer.expertId === expertId &&
      (offer.status === 'declined' || offer.status === 'timed_out'),
  );
  if (refused) return undefined;
  return people.find((person) => person.id === expertId && person.roles.includes('expert'));
}

/**
 * The on-call offer lasts the rest of the request's wait (`maxWaitSeconds` from when it was
 * queued), never less than one `offerTimeoutSeconds`: someone paged at home needs longer than a
 * dashboard's 20 seconds, and there is nobody to pass the request on to anyway.
 */
export function onCallOfferExpiry(
  queue: Queue,
  request: Pick<QueuedRequest, 'queuedAt'>,
  nowMs: number,
): number {
  return Math.max(
    nowMs + queue.offerTimeoutSeconds * 1000,
    Date.parse(request.queuedAt) + queue.maxWaitSeconds * 1000,
  );
}
