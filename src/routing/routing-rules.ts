import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';
import type { ExpertStanding, Offer, QueuedRequest } from './routing.model.js';
import { onCallOfferExpiry, onCallTaker, routedOnCall } from './on-call-rules.js';
import { orderRequests } from './queue-order.js';
import { guardedBySession } from './booked-session-rules.js';

/**
 * Who is offered which queued call: pure functions of plain data and a `nowMs` passed in, so that
 * every rule is unit-tested without a clock, a database or a socket (see routing-rules.spec.ts).
 */

const ms = (iso: string): number => Date.parse(iso);

/** Escalation steps reached `nowMs`, measured from the moment the call was queued. */
export function reachedSteps(queue: Queue, queuedAtMs: number, nowMs: number): number[] {
  return queue.escalation.flatMap((step, index) =>
    nowMs - queuedAtMs >= step.afterSeconds * 1000 ? [index] : [],
  );
}

/** Steps reached but not yet run; each runs once (`done` holds the indexes already run). */
export function dueEscalationSteps(
  queue: Queue,
  queuedAtMs: number,
  nowMs: number,
  done: ReadonlySet<number>,
): number[] {
  return reachedSteps(queue, queuedAtMs, nowMs).filter((index) => !done.has(index));
}

/** Queued `maxWaitSeconds` with no accept: the call ends `unanswered`. */
export function maxWaitReached(queue: Queue, queuedAtMs: number, nowMs: number): boolean {
  return nowMs - queuedAtMs >= queue.maxWaitSeconds * 1000;
}

/**
 * Whose request a call is: its technician, who may be an expert too. Whoever created it on their
 * behalf (a supervisor, an integration, an expert pressing the demo button) is not: they may well
 * be the one to help, and the demo's whole point is that its expert is offered the call.
 */
export function requestersOf(call: { technician: { id: string } }): string[] {
  return [call.technician.id];
}

/** Experts who said no to this call, or let its offer time out: never offered it again. */
function refusedBy(callId: string, offers: readonly Offer[]): Set<string> {
  return new Set(
    offers
      .filter((offer) => offer.callId === callId)
      .filter((offer) => offer.status === 'declined' || offer.status === 'timed_out')
      .map((offer) => offer.expertId),
  );
}

/**
 * Experts the routing rules allow this call at all: role expert; every skill of the queue, or
 * named by an escalation step already reached; not refused; and not one of its requesters (a
 * technician who is also an expert never takes their own request). Presence is not looked at.
 */
function qualifiedExperts(
  queue: Queue,
  people: readonly Person[],
  request: Pick<QueuedRequest, 'callId' | 'queuedAt' | 'requesters'>,
  offers: readonly Offer[],
  nowMs: number,
): Person[] {
  const added = new Set(
    reachedSteps(queue, ms(request.queuedAt), nowMs).flatMap(
      (index) => queue.escalation[index].addExperts,
    ),
  );
  const refused = refusedBy(request.callId, offers);
  return people.filter((person) => {
    if (!person.roles.includes('expert') || request.requesters.includes(person.id)) return false;
    const skilled = queue.skills.every((skill) => person.skills.includes(skill));
    return (skilled || added.has(person.id)) && !refused.has(person.id);
  });
}

/**
 * Experts who may be offered this call now, in directory order: allowed it (qualifiedExperts),
 * available, not busy, and with no booked session starting within the queue's
 * bookingGuardMinutes (the call would run into it).
 */
export function eligibleExperts(
  queue: Queue,
  people: readonly Person[],
  standing: ReadonlyMap<string, ExpertStanding>,
  request: Pick<QueuedRequest, 'callId' | 'queuedAt' | 'requesters'>,
  offers: readonly Offer[],
  nowMs: number,
): Person[] {
  return expertsWhoCanTake(queue, people, standing, request, offers, nowMs).filter(
    (person) =>
      !standing.get(person.id)?.busy &&
      !guardedBySession(standing.get(person.id), queue.bookingGuardMinutes, nowMs),
  );
}

/**
 * Experts who can take this call without anyone's presence changing: allowed it and available.
 * A busy one counts (one call at a time: they are offered it once their call ends); an `away` or
 * `offline` one does not (nothing offers them anything until they say they take calls). Nobody
 * here: the technician is told at once, and no wait is estimated (docs/routing.md). While an
 * `on_call` queue is closed, only its on-call expert can, whatever their presence.
 */
export function expertsWhoCanTake(
  queue: Queue,
  people: readonly Person[],
  standing: ReadonlyMap<string, ExpertStanding>,
  request: Pick<QueuedRequest, 'callId' | 'queuedAt' | 'requesters'>,
  offers: readonly Offer[],
  nowMs: number,
): Person[] {
  if (routedOnCall(queue, nowMs)) {
    const taker = onCallTaker(queue, people, request, offers, nowMs);
    return taker ? [taker] : [];
  }
  return qualifiedExperts(queue, people, request, offers, nowMs).filter(
    (person) => standing.get(person.id)?.status === 'available',
  );
}

/**
 * Whom to offer the call next among the eligible: `ring_all` everyone not yet holding its offer;
 * `serial` the first in directory order; `longest_idle` the one idle longest (ties: directory
 * order). The one-at-a-time strategies wait while an offer of the call is pending.
 */
export function pickExperts(
  queue: Pick<Queue, 'strategy'>,
  eligible: readonly Person[],
  offersOfCall: readonly Offer[],
  standing: ReadonlyMap<string, ExpertStanding>,
  nowMs: number,
): Person[] {
  if (offersOfCall.some((offer) => offer.status === 'accepted')) return [];
  const pending = offersOfCall.filter((offer) => offer.status === 'pending');
  if (queue.strategy === 'ring_all') {
    const holding = new Set(pending.map((offer) => offer.expertId));
    return eligible.filter((person) => !holding.has(person.id));
  }
  if (pending.length > 0 || eligible.length === 0) return [];
  if (queue.strategy === 'serial') return [eligible[0]];
  const idleSince = (person: Person) => standing.get(person.id)?.idleSinceMs ?? nowMs;
  return [eligible.reduce((best, person) => (idleSince(person) < idleSince(best) ? person : best))];
}

export interface PlannedOffer {
  callId: string;
  expertId: string;
  expiresAtMs: number;
}

export interface RoutingSnapshot {
  nowMs: number;
  /** Everyone in the directory, in directory order. */
  people: readonly Person[];
  standing: ReadonlyMap<string, ExpertStanding>;
  requests: readonly QueuedRequest[];
  /** Every offer of those requests, whatever its status. */
  offers: readonly Offer[];
}

/**
 * The offers to make now across all queued calls. Requests are served urgent first, then first
 * come first served; an expert holds at most one pending offer at a time (a reservation), so a
 * waiting urgent call is not starved by offers of later calls to the same expert.
 */
export function planOffers(
  snapshot: RoutingSnapshot,
  queueOf: (id: string) => Queue | undefined,
): PlannedOffer[] {
  const reserved = new Set(
    snapshot.offers.filter((offer) => offer.status === 'pending').map((offer) => offer.expertId),
  );
  // Linear in requests + people + offers, not their product (1,000 waiting requests and a large
  // directory made every tick slow, docs/benchmarks.md): offers grouped by call once; only
  // experts available and not busy are looked at per request (eligibleExperts filters them again,
  // so the rules and the directory order are unchanged); and once every such expert holds a
  // pending offer, the later requests cannot be offered anything.
  const offersByCall = new Map<string, Offer[]>();
  for (const offer of snapshot.offers) {
    const ofCall = offersByCall.get(offer.callId);
    if (ofCall) ofCall.push(offer);
    else offersByCall.set(offer.callId, [offer]);
  }
  const candidates = snapshot.people.filter((person) => {
    if (!person.roles.includes('expert')) return false;
    const now = snapshot.standing.get(person.id);
    return now?.status === 'available' && !now.busy;
  });
  let free = candidates.filter((person) => !reserved.has(person.id)).length;
  const planned: PlannedOffer[] = [];
  const onCallNow = new Map<string, boolean>();
  for (const request of orderRequests(snapshot.requests)) {
    const queue = queueOf(request.queueId);
    if (!queue || maxWaitReached(queue, ms(request.queuedAt), snapshot.nowMs)) continue;
    const offersOfCall = offersByCall.get(request.callId) ?? [];
    if (!onCallNow.has(queue.id)) onCallNow.set(queue.id, routedOnCall(queue, snapshot.nowMs));
    if (onCallNow.get(queue.id)) {
      // Closed, on call: the on-call expert alone, whatever their presence (they are paged).
      const taker = onCallTaker(queue, snapshot.people, request, offersOfCall, snapshot.nowMs);
      const held = offersOfCall.some(
        (offer) =>
          offer.status === 'accepted' ||
          (offer.status === 'pending' && offer.expertId === taker?.id),
      );
      if (!taker || held || reserved.has(taker.id)) continue;
      reserved.add(taker.id);
      if (candidates.includes(taker)) free -= 1;
      const expiresAtMs = onCallOfferExpiry(queue, request, snapshot.nowMs);
      planned.push({ callId: request.callId, expertId: taker.id, expiresAtMs });
      continue;
    }
    if (free === 0) continue;
    const eligible = eligibleExperts(
      queue,
      candidates,
      snapshot.standing,
      request,
      offersOfCall,
      snapshot.nowMs,
    ).filter((person) => !reserved.has(person.id));
    const chosen = pickExperts(queue, eligible, offersOfCall, snapshot.standing, snapshot.nowMs);
    for (const person of chosen) {
      reserved.add(person.id);
      free -= 1;
      planned.push({
        callId: request.callId,
        expertId: person.id,
        expiresAtMs: snapshot.nowMs + queue.offerTimeoutSeconds * 1000,
      });
    }
  }
  return planned;
}

/**
 * The next instant something about this call changes by itself (an offer expires, an escalation
 * step falls due, the wait runs out), for whoever keeps the timer. Never later than the end of
 * the wait, so a request always has a deadline.
 */
export function nextRoutingDeadline(
  queue: Queue,
  request: Pick<QueuedRequest, 'queuedAt'>,
  offersOfCall: readonly Offer[],
  done: ReadonlySet<number>,
): number {
  const queuedAtMs = ms(request.queuedAt);
  const instants = [queuedAtMs + queue.maxWaitSeconds * 1000];
  for (const offer of offersOfCall)
    if (offer.status === 'pending') instants.push(ms(offer.expiresAt));
  for (const [index, step] of queue.escalation.entries())
    if (!done.has(index)) instants.push(queuedAtMs + step.afterSeconds * 1000);
  return Math.min(...instants);
}
