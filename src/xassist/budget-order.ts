import type { RequestPriority } from './xassist-client.port.js';

/** A request waiting for a slot of the budget, as the order sees it (plain data). */
export interface BudgetWaiter {
  priority: RequestPriority;
  /** When the call was last polled, or when the request was claimed (Clock ms). */
  since: number;
  /** Past this many ms since `since` the request is overdue; unset: never overdue. */
  slowestMs?: number;
  /** Arrival order at the budget: the tie-breaker, so equals go first come, first served. */
  order: number;
  /** The call's first poll here (RequestClaim.firstPoll). */
  firstPoll?: boolean;
}

/** Within one rank the oldest `since` goes first, so equal calls take turns, evenly spaced. */
const RANK_OF_PRIORITY: Record<RequestPriority, number> = {
  create: 0,
  ringing: 3,
  connected: 4,
  background: 5,
};
const FIRST_POLL_RANK = 1;
const OVERDUE_RANK = 2;

function rankOf(waiter: BudgetWaiter, ratio: number | undefined): number {
  if (waiter.priority === 'create') return RANK_OF_PRIORITY.create;
  if (waiter.firstPoll) return FIRST_POLL_RANK;
  return ratio === undefined ? RANK_OF_PRIORITY[waiter.priority] : OVERDUE_RANK;
}

/** How far past its slowest cadence the request is: waited / slowestMs (>= 1 once overdue). */
export function overdueRatio(waiter: BudgetWaiter, now: number): number | undefined {
  if (waiter.slowestMs === undefined || waiter.priority === 'create') return undefined;
  const ratio = (now - waiter.since) / Math.max(1, waiter.slowestMs);
  return ratio >= 1 ? ratio : undefined;
}

/**
 * Whether `a` should have the next slot before `b` at `now`:
 * 1. creates, first come first served (a technician waits for the 201; logins go with them);
 * 1b. a call's first poll here, first come first served (a new call is looked at soon);
 * 2. overdue requests, the most overdue (waited / slowestMs) first, so that when the slowest
 *    cadences do not fit every call is stretched by the same ratio, and listings (slowestMs
 *    10 s) are never starved for good;
 * 3. ringing polls, 4. connected polls, 5. background requests: each oldest `since` first.
 */
export function compareUrgency(a: BudgetWaiter, b: BudgetWaiter, now: number): number {
  const ratioA = overdueRatio(a, now);
  const ratioB = overdueRatio(b, now);
  const rankA = rankOf(a, ratioA);
  const rankB = rankOf(b, ratioB);
  if (rankA !== rankB) return rankA - rankB;
  if (rankA === OVERDUE_RANK && ratioA !== ratioB) return ratioB! - ratioA!;
  if (rankA !== RANK_OF_PRIORITY.create && rankA !== FIRST_POLL_RANK && a.since !== b.since)
    return a.since - b.since;
  return a.order - b.order;
}

/**
 * The most urgent waiter that can use a slot now (`ready`), in one pass: the budget asks this
 * once per slot, with as many waiters as calls are followed.
 */
export function mostUrgent<T extends BudgetWaiter>(
  waiters: Iterable<T>,
  now: number,
  ready: (waiter: T) => boolean = () => true,
): T | undefined {
  let best: T | undefined;
  for (const waiter of waiters) {
    if (best !== undefined && compareUrgency(waiter, best, now) >= 0) continue;
    if (ready(waiter)) best = waiter;
  }
  return best;
}
