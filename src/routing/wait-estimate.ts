import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';
import { estimatedWaitSeconds } from './queue-order.js';
import type { ExpertStanding, Offer, QueuedRequest } from './routing.model.js';
import { expertsWhoCanTake } from './routing-rules.js';

export interface RequestWait {
  /** Experts who can take this request (expertsWhoCanTake): 0 means nobody can. */
  takers: number;
  /** null while nobody can take it, without history, or once out of the queue (no position). */
  estimatedWaitSeconds: number | null;
}

/**
 * One waiting request's estimate, divided only by the experts who could be offered this very
 * request now: those who can take it (its skills or a reached escalation step, not refused, not
 * its requester, available) and are not busy. Experts the queue allows in general but who can
 * never be offered this request would make its wait look shorter than it is.
 */
export function requestWait(
  queue: Queue,
  experts: readonly Person[],
  standing: ReadonlyMap<string, ExpertStanding>,
  request: Pick<QueuedRequest, 'callId' | 'queuedAt' | 'requesters'>,
  offersOfCall: readonly Offer[],
  position: number | null,
  recentSecondsToAccept: readonly number[],
  nowMs: number,
): RequestWait {
  const takers = expertsWhoCanTake(queue, experts, standing, request, offersOfCall, nowMs);
  if (position === null || takers.length === 0)
    return { takers: takers.length, estimatedWaitSeconds: null };
  const free = takers.filter((person) => !standing.get(person.id)?.busy).length;
  return {
    takers: takers.length,
    estimatedWaitSeconds: estimatedWaitSeconds(position, recentSecondsToAccept, free),
  };
}
