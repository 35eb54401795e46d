import { busiestWindow as busiestAt } from '../../src/simulator/request-arrivals.js';

/**
 * The most instants in any half-open window [t, t + windowMs): what a rate limit must bound. The
 * simulator's own count (GET /_sim/requests/rate), so that specs and e2e tests judge alike.
 */
export function busiestWindow(instants: number[], windowMs: number): number {
  return busiestAt(instants, windowMs).most;
}
