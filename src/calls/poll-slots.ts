interface Waiter {
  failing: boolean;
  start: () => void;
  refuse: (error: Error) => void;
}

/** The slots were closed (the broker is stopping): the attempt was not made. */
export class PollSlotsClosedError extends Error {
  override name = 'PollSlotsClosedError';
}

/**
 * Caps xAssist poll attempts in flight across all calls. A slot is held for one HTTP attempt, never
 * across a retry's backoff. Attempts of calls whose last attempt failed (hanging or erroring on
 * xAssist) may not take the last `reserve` slots, so a few slow calls cannot starve the healthy
 * ones; otherwise waiters start in arrival order.
 */
export class PollSlots {
  readonly reserve: number;
  private active = 0;
  private activeFailing = 0;
  private readonly waiting: Waiter[] = [];
  private closed = false;

  constructor(readonly limit: number) {
    this.reserve = limit > 1 ? Math.max(1, Math.floor(limit / 4)) : 0;
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(failing: boolean, attempt: () => Promise<T>): Promise<T> {
    if (this.closed) throw new PollSlotsClosedError('poll slots are closed');
    if (this.admits(failing)) this.take(failing);
    else await new Promise<void>((start, refuse) => this.waiting.push({ failing, start, refuse }));
    try {
      return await attempt();
    } finally {
      this.active--;
      if (failing) this.activeFailing--;
      this.startWaiters();
    }
  }

  /** Refuses every waiting and later attempt; those under way finish. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0))
      waiter.refuse(new PollSlotsClosedError('poll slots are closed'));
  }

  private admits(failing: boolean): boolean {
    if (this.active >= this.limit) return false;
    return !failing || this.activeFailing < this.limit - this.reserve;
  }

  private take(failing: boolean): void {
    this.active++;
    if (failing) this.activeFailing++;
  }

  private startWaiters(): void {
    for (let index = 0; index < this.waiting.length && this.active < this.limit;) {
      const waiter = this.waiting[index];
      if (!this.admits(waiter.failing)) {
        index++;
        continue;
      }
      this.waiting.splice(index, 1);
      this.take(waiter.failing);
      waiter.start();
    }
  }
}
