interface Waiter {
  failing: boolean;
  start: () => void;
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
    if (this.admits(failing)) this.take(failing);
    else await new Promise<void>((start) => this.waiting.push({ failing, start }));
    try {
      return await attempt();
    } finally {
      this.active--;
      if (failing) this.activeFailing--;
      this.startWaiters();
    }
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
