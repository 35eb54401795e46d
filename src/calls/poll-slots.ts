import type { Clock } from '../common/clock.js';

interface Waiter {
  slow: boolean;
  start: () => void;
  refuse: (error: Error) => void;
}

/**
 * How a call's attempts have been going on xAssist. Slow from an attempt that failed, hung or took
 * longer than the slow threshold, until one of its attempts answers within it again.
 */
export interface AttemptPace {
  slow: boolean;
}

/** The slots were closed (the broker is stopping): the attempt was not made. */
export class PollSlotsClosedError extends Error {
  override name = 'PollSlotsClosedError';
}

/**
 * Caps xAssist poll attempts in flight across all calls. A slot is held for one HTTP attempt, never
 * across a retry's backoff. Attempts of slow calls (see AttemptPace) may not take the last
 * `reserve` slots, so slow calls cannot starve the healthy ones; otherwise waiters start in
 * arrival order. An answer alone does not make a call healthy again: a slow call whose attempts
 * all answer after seconds would otherwise come back to every slot after each of them.
 */
export class PollSlots {
  readonly reserve: number;
  private active = 0;
  private activeSlow = 0;
  private readonly waiting: Waiter[] = [];
  private closed = false;

  constructor(
    readonly limit: number,
    /** An attempt that takes longer than this (ms) makes its call slow. */
    readonly slowAttemptMs: number,
    private readonly clock: Clock,
  ) {
    this.reserve = limit > 1 ? Math.max(1, Math.floor(limit / 4)) : 0;
  }

  get inUse(): number {
    return this.active;
  }

  /** Slots held by attempts of calls that were slow when the attempt started. */
  get inUseBySlow(): number {
    return this.activeSlow;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs one attempt of the call whose pace is `pace` in a slot, and updates that pace. */
  async run<T>(pace: AttemptPace, attempt: () => Promise<T>): Promise<T> {
    if (this.closed) throw new PollSlotsClosedError('poll slots are closed');
    const slow = pace.slow;
    if (this.admitsNow(slow)) this.take(slow);
    else await new Promise<void>((start, refuse) => this.waiting.push({ slow, start, refuse }));
    try {
      const started = this.clock.now();
      pace.slow = true; // until it answers: a hanging or failing attempt counts as slow
      const answer = await attempt();
      pace.slow = this.clock.now() - started > this.slowAttemptMs;
      return answer;
    } finally {
      this.active--;
      if (slow) this.activeSlow--;
      this.startWaiters();
    }
  }

  /** Refuses every waiting and later attempt; those under way finish. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0))
      waiter.refuse(new PollSlotsClosedError('poll slots are closed'));
  }

  /**
   * Whether an attempt of a call at `pace` would start at once. The request budget grants its
   * slots only to polls that can use them then (XAssistReadOptions.attemptReady). Closed slots
   * admit: the attempt is then refused at once instead of waiting for a grant that may not come.
   */
  admits(pace: AttemptPace): boolean {
    return this.closed || this.admitsNow(pace.slow);
  }

  private admitsNow(slow: boolean): boolean {
    if (this.active >= this.limit) return false;
    return !slow || this.activeSlow < this.limit - this.reserve;
  }

  private take(slow: boolean): void {
    this.active++;
    if (slow) this.activeSlow++;
  }

  private startWaiters(): void {
    for (let index = 0; index < this.waiting.length && this.active < this.limit;) {
      const waiter = this.waiting[index];
      if (!this.admitsNow(waiter.slow)) {
        index++;
        continue;
      }
      this.waiting.splice(index, 1);
      this.take(waiter.slow);
      waiter.start();
    }
  }
}
