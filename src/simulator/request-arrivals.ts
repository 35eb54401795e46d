/** How many requests the simulator keeps the arrival time of (8 bytes each: 16 MB at most). */
const MAX_KEPT = 2_000_000;

export interface RequestRate {
  /** Requests that arrived in [since, until]. */
  count: number;
  /** The most of them that arrived within any `windowMs` (a sliding window, not aligned). */
  maxInWindow: number;
  /** When the busiest window began (its first arrival), null without requests. */
  busiestAt: number | null;
  windowMs: number;
  since: number;
  until: number;
  /** Set when arrivals after `since` were dropped to bound memory: the figures start here. */
  keptSince?: number;
}

/**
 * The arrival time (epoch ms) of every xAssist request, so that a test or a bench can ask how
 * many arrived in the busiest second: a limit on requests per second holds over every window,
 * not just the windows a counter aligned on whole seconds happens to see.
 */
export class RequestArrivals {
  private times: number[] = [];
  /** True once old arrivals were dropped: figures from before the oldest kept one are partial. */
  private dropped = false;

  constructor(private readonly now: () => number = Date.now) {}

  record(): void {
    this.times.push(this.now());
    // Dropped in one go rather than one at a time, so that recording stays O(1) on average.
    if (this.times.length > MAX_KEPT) {
      this.times = this.times.slice(MAX_KEPT / 2);
      this.dropped = true;
    }
  }

  rate(since = 0, until = this.now(), windowMs = 1000): RequestRate {
    // Wall-clock times, comparable to a caller's Date.now().
    const times = this.times.filter((at) => at >= since && at <= until);
    const { most: maxInWindow, at: busiestAt } = busiestWindow(times, windowMs);
    const oldestKept = this.times[0];
    const truncated = this.dropped && oldestKept > since;
    return {
      count: times.length,
      maxInWindow,
      busiestAt,
      windowMs,
      since,
      until,
      ...(truncated ? { keptSince: oldestKept } : {}),
    };
  }
}

/**
 * The most instants in any half-open window [t, t + windowMs), and the first instant of the first
 * such window: what a limit on requests per window must bound. Any order (a clock may step back).
 */
export function busiestWindow(
  instants: readonly number[],
  windowMs: number,
): { most: number; at: number | null } {
  const sorted = [...instants].sort((a, b) => a - b);
  let most = 0;
  let at: number | null = null;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= windowMs) first++;
    if (last - first + 1 > most) [most, at] = [last - first + 1, sorted[first]];
  }
  return { most, at };
}
